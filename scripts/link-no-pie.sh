#!/bin/sh
# Linker for `make bench`'s host binaries: the system `cc`, linking executables as non-PIE
# like the deployed arm64 functions (.cargo/config.toml). Shared libraries (a dependency
# also builds a cdylib) are linked as they are: gcc cannot combine -shared and -no-pie.
for a in "$@"; do
  [ "$a" = "-shared" ] && exec cc "$@"
done
exec cc "$@" -no-pie
