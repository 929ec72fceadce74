# bench_analysis: analyzer throughput on a text file (see bench/bench_analysis.c).
# Included from bench/CMakeLists.txt with include(${CMAKE_CURRENT_SOURCE_DIR}/analysis.cmake).
add_executable(bench_analysis ${CMAKE_CURRENT_LIST_DIR}/bench_analysis.c)
target_link_libraries(bench_analysis PRIVATE quire_analysis)
quire_warnings(bench_analysis)
