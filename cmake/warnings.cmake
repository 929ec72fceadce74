# Warnings as zstd sets them (build/cmake/CMakeModules/AddZstdCompilationFlags.cmake).
function(quire_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wundef -Wcast-align -Wstrict-prototypes
    -Wmissing-prototypes -Wvla -Wformat=2 -Wimplicit-fallthrough)
  if(QUIRE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
