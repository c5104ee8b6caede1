# aarch64-linux-gnu.cmake — toolchain file for building what runs inside an aarch64 target
# (libprobe.so and the victim app) on an x86-64 Debian machine: gcc-aarch64-linux-gnu and
# g++-aarch64-linux-gnu, their sysroot /usr/aarch64-linux-gnu. The build runs under
# `qemu-aarch64 -L /usr/aarch64-linux-gnu` (qemu-user). Used by the main build's probe_aarch64
# sub-build (cmake/InterprobeCross.cmake); by hand:
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
