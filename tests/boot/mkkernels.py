#!/usr/bin/env python3
"""Kernels for the host-side loader's boot tests, made from a real bzImage:
  mkkernels.py BZIMAGE OUTDIR
writes into OUTDIR
  bz-gzip, bz-zstd     the same kernel, its payload recompressed
  vmlinux.xz           the payload's ELF without its relocation table (a
                       plain vmlinux, xz'd for the trip into L1)
  bad-corrupt          the xz payload with bytes flipped in the middle
  bad-trunc            the payload's length in the header cut in half
  bad-nonelf           a payload that decompresses to something not ELF
"""
import gzip
import lzma
import os
import struct
import subprocess
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    img = bytearray(open(src, "rb").read())
    setup = ((img[0x1f1] or 4) + 1) * 512
    poff, plen = struct.unpack_from("<II", img, 0x248)
    start = setup + poff
    payload = bytes(img[start:start + plen])
    d = lzma.LZMADecompressor()
    elf = d.decompress(payload)
    size = struct.unpack_from("<I", payload, plen - 4)[0]
    assert len(elf) == size, "payload size trailer"

    def repack(new, name):
        b = bytearray(img[:start]) + new + img[start + plen:]
        struct.pack_into("<I", b, 0x24c, len(new))
        struct.pack_into("<I", b, 0x1f4, (len(b) - setup + 15) // 16)   # syssize
        open(os.path.join(out, name), "wb").write(b)

    trailer = struct.pack("<I", len(elf))
    repack(gzip.compress(elf, compresslevel=6, mtime=0) + trailer, "bz-gzip")
    repack(subprocess.run(["zstd", "-q", "-10", "-c"], input=elf, capture_output=True,
                          check=True).stdout + trailer, "bz-zstd")

    # The ELF ends with its section headers; the table follows.
    shoff, = struct.unpack_from("<Q", elf, 40)
    shentsize, shnum = struct.unpack_from("<HH", elf, 58)
    end = shoff + shentsize * shnum
    open(os.path.join(out, "vmlinux.xz"), "wb").write(
        lzma.compress(elf[:end], preset=1, check=lzma.CHECK_CRC32))

    bad = bytearray(payload)
    for i in range(len(bad) // 2, len(bad) // 2 + 4096, 64):
        bad[i] ^= 0xa5
    repack(bytes(bad), "bad-corrupt")
    b = bytearray(img)
    struct.pack_into("<I", b, 0x24c, plen // 2)
    open(os.path.join(out, "bad-trunc"), "wb").write(b)
    junk = os.urandom(1 << 20)
    repack(lzma.compress(junk, check=lzma.CHECK_CRC32) + struct.pack("<I", len(junk)), "bad-nonelf")


main()
