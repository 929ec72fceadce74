#!/usr/bin/env bash
# Install a build tree into a temporary prefix and use it as a client would: compile
# examples/hello.c with `pkg-config --cflags --libs quire` (PKG_CONFIG_PATH pointing at the
# prefix) and run it, build it again through CMake's find_package(quire), shared and static,
# and check the installed programs, headers and man pages. Usage: scripts/test_install.sh
# [BUILD_DIR] (default build/test, which scripts/test.sh builds first).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/test}
prefix=$(mktemp -d /tmp/quire-prefix-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
echo "== install $build into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name quire.pc)
libdir=$(dirname "$(dirname "$pc")")
for f in bin/quire-index bin/quire-query include/quire/quire.h include/quire/version.h \
         share/man/man1/quire-index.1 share/man/man1/quire-query.1 share/man/man5/quire-format.5; do
  [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
for f in libquire.a libquire.so; do
  [ -e "$libdir/$f" ] || { echo "not installed: $libdir/$f"; exit 1; }
done
soname=$(readelf -d "$libdir/libquire.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ -e "$libdir/$soname" ] || { echo "no $soname beside libquire.so"; exit 1; }

expected='quire 0.1.0: 2 hit(s)
a  0.6756  Tea
   Green [tea] is picked, steamed and dried. Black [tea] is oxidised first.
b  0.4700  Coffee
   Coffee beans are roasted; some people drink coffee with [tea].'
expected=${expected/0.1.0/$(sed -n 's/^#define QUIRE_VERSION_STRING "\(.*\)"/\1/p' \
  "$prefix/include/quire/version.h")}
check() { # check NAME OUTPUT
  if [ "$2" != "$expected" ]; then
    echo "$1: unexpected output:"; echo "$2"; echo "expected:"; echo "$expected"; exit 1
  fi
  echo "$1: ok"
}

echo "== examples/hello.c through pkg-config"
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs quire)
cc -std=c11 -Wall -Wextra -Wpedantic -Werror examples/hello.c $flags -o "$prefix/hello"
check "hello (pkg-config: $flags)" "$(LD_LIBRARY_PATH=$libdir "$prefix/hello" "$prefix/idx1" tea)"

echo "== examples/ through find_package(quire)"
cmake -S examples -B "$prefix/examples" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/examples" >/dev/null
check "hello (find_package, quire::quire)" "$("$prefix/examples/hello" "$prefix/idx2" tea)"
check "hello_static (quire::quire_static)" "$("$prefix/examples/hello_static" "$prefix/idx3" tea)"
if ldd "$prefix/examples/hello_static" | grep -q libquire; then
  echo "hello_static links libquire.so"; exit 1
fi

echo "== the installed programs read the example's index"
"$prefix/bin/quire-query" --passages 0 "$prefix/idx1" tea | grep -q '^1\. a ' ||
  { echo "quire-query did not find a in the example's index"; exit 1; }
"$prefix/bin/quire-index" --verify "$prefix/idx1" >/dev/null
echo "install: ok"
