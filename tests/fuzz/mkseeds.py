#!/usr/bin/env python3
"""Writes the checked-in seed corpora under tests/fuzz/corpus/: for each
target a few well-formed inputs (a driver bringing a device up and doing
I/O, a valid ring, a valid header) from which the fuzzer mutates.
Run again after changing an input format: python3 tests/fuzz/mkseeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
GPA = 0x100000
BOUNCE = 0x100000000


def save(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


# --- fuzz_virtio: a driver program --------------------------------------
LEN = {1: 0, 2: 1, 4: 3, 8: 7}     # BAR accesses: 1 + b % 8 bytes
CLEN = {1: 0, 2: 1, 4: 2}          # config-space accesses: 1 << (b % 3)


def bar_w(off, ln, val):
    return bytes([0]) + struct.pack("<HB", off, LEN[ln]) + (val & (2 ** (8 * ln) - 1)).to_bytes(ln, "little")


def bar_r(off, ln):
    return bytes([1]) + struct.pack("<HB", off, LEN[ln])


def mem_w(off, data, bounce=False):
    out = b""
    for i in range(0, len(data), 255):
        chunk = data[i:i + 255]
        out += bytes([6 if bounce else 2]) + struct.pack("<HB", off + i, len(chunk)) + chunk
    return out


def cfg_w(off, ln, val):
    return bytes([3, off, CLEN[ln]]) + struct.pack("<I", val & 0xffffffff)


def desc(addr, ln, flags, nxt):
    return struct.pack("<QIHH", addr, ln, flags, nxt)


def driver(strict, features_lo, queues, chains, frames=b""):
    """Brings the device up with the given queues (size 8 each, rings at
    base + 0x1000 * 3q) and makes chains available, then notifies."""
    base = BOUNCE if strict else GPA
    p = bytes([1 if strict else 0])
    p += cfg_w(0x10, 4, 0xc0000000)
    if strict:
        p += cfg_w(0x18, 4, 0x0000000c) + cfg_w(0x1c, 4, BOUNCE >> 32)
    p += cfg_w(0x04, 2, 0x0006)                    # memory + bus master
    p += bar_w(0x14, 1, 1) + bar_w(0x14, 1, 3)     # ACKNOWLEDGE, DRIVER
    p += bar_w(0x00, 4, 0) + bar_r(0x04, 4) + bar_w(0x00, 4, 1) + bar_r(0x04, 4)
    lo = features_lo | ((1 << 27) if strict else 0)
    hi = 1 | (2 if strict else 0)                  # VERSION_1, ACCESS_PLATFORM
    p += bar_w(0x08, 4, 0) + bar_w(0x0c, 4, lo) + bar_w(0x08, 4, 1) + bar_w(0x0c, 4, hi)
    p += bar_w(0x14, 1, 0x0b) + bar_r(0x14, 1)     # FEATURES_OK
    for q in queues:
        ring = base + 0x3000 * q
        p += bar_w(0x16, 2, q) + bar_w(0x18, 2, 8) + bar_w(0x1a, 2, 0xffff)
        for off, addr in ((0x20, ring), (0x28, ring + 0x1000), (0x30, ring + 0x2000)):
            p += bar_w(off, 4, addr) + bar_w(off + 4, 4, addr >> 32)
        p += bar_w(0x1c, 2, 1)
    p += bar_w(0x14, 1, 0x0f)                      # DRIVER_OK
    for q, descs in chains:
        ring_off = (0 if strict else 0) + 0x3000 * q
        table = b"".join(desc(base + a, ln, fl, nx) for a, ln, fl, nx in descs)
        p += mem_w(ring_off, table, strict)
        p += mem_w(ring_off + 0x1000, struct.pack("<HHH", 0, 1, 0), strict)
        p += bar_w(0x3000 + 4 * q, 2, q)
    p += frames
    return p


NEXT, WRITE, INDIRECT = 1, 2, 4
DATA = 0x8000
for strict in (False, True):
    tag = "strict" if strict else "off"
    # rng: one 64-byte writable buffer on queue 0.
    save("virtio_pci", "rng-" + tag, driver(strict, 0, [0], [(0, [(DATA, 64, WRITE, 0)])]))
    # blk: read sector 1 (header, data, status), with SEG_MAX/BLK_SIZE offered bits taken.
    hdr = struct.pack("<IIQ", 0, 0, 1)
    p = driver(strict, 0, [0], [])
    p += mem_w(DATA, hdr, strict)
    p += mem_w(0, desc((BOUNCE if strict else GPA) + DATA, 16, NEXT, 1)
               + desc((BOUNCE if strict else GPA) + DATA + 0x100, 512, WRITE | NEXT, 2)
               + desc((BOUNCE if strict else GPA) + DATA + 0x400, 1, WRITE, 0), strict)
    p += mem_w(0x1000, struct.pack("<HHH", 0, 1, 0), strict) + bar_w(0x3000, 2, 0)
    save("virtio_blk", "read-" + tag, p)
    # blk: write then flush, with an indirect table.
    hdr_w = struct.pack("<IIQ", 1, 0, 2) + b"\0" * 496 + struct.pack("<IIQ", 4, 0, 0)
    b = BOUNCE if strict else GPA
    ind = desc(b + DATA, 16, NEXT, 1) + desc(b + DATA + 16, 480, NEXT, 2) + desc(b + DATA + 0x400, 1, WRITE, 0)
    p = driver(strict, 1 << 28, [0], [])
    p += mem_w(DATA, hdr_w[:496], strict) + mem_w(DATA + 0x600, ind, strict)
    p += mem_w(0, desc(b + DATA + 0x600, 48, INDIRECT, 0), strict)
    p += mem_w(0x1000, struct.pack("<HHH", 0, 1, 0), strict) + bar_w(0x3000, 2, 0)
    save("virtio_blk", "write-indirect-" + tag, p)
    # net: RX buffers on queue 0, a frame in, a frame out on queue 1.
    frame = b"\0" * 12 + b"\xff" * 6 + b"\x52\x54\x00\x12\x34\x56" + b"\x08\x06" + b"\xab" * 46
    p = driver(strict, (1 << 5) | (1 << 15) | (1 << 16), [0, 1],
               [(0, [(DATA, 1526, WRITE, 0)])])
    p += bytes([5]) + struct.pack("<H", len(frame)) + frame + bytes([7])
    p += mem_w(DATA + 0x1000, frame, strict)
    p += mem_w(0x3000, desc(b + DATA + 0x1000, len(frame), 0, 0), strict)
    p += mem_w(0x4000, struct.pack("<HHH", 0, 1, 0), strict) + bar_w(0x3004, 2, 1) + bytes([7])
    save("virtio_net", "rx-tx-" + tag, p)

# DMB (bit 44): the same device, every address an offset into its region
# (the fuzzer's is 64 KiB; offset 0 is reserved): rings at 0x1000, 0x2000,
# 0x3000, data from 0x3800.
def driver_dmb(queue_chain_descs, extra=b""):
    p = bytes([1])
    p += cfg_w(0x10, 4, 0xc0000000) + cfg_w(0x18, 4, 0x0000000c) + cfg_w(0x1c, 4, BOUNCE >> 32)
    p += cfg_w(0x04, 2, 0x0006)
    p += bar_w(0x14, 1, 1) + bar_w(0x14, 1, 3)
    hi = 1 | 2 | (1 << (44 - 32))                  # VERSION_1, ACCESS_PLATFORM, DMB
    p += bar_w(0x08, 4, 0) + bar_w(0x0c, 4, 0) + bar_w(0x08, 4, 1) + bar_w(0x0c, 4, hi)
    p += bar_w(0x14, 1, 0x0b) + bar_r(0x14, 1) + bar_r(64, 2)     # FEATURES_OK, dmb_shm_id
    p += bar_w(0x16, 2, 0) + bar_w(0x18, 2, 8) + bar_w(0x1a, 2, 0xffff)
    for off, addr in ((0x20, 0x1000), (0x28, 0x2000), (0x30, 0x3000)):
        p += bar_w(off, 4, addr) + bar_w(off + 4, 4, 0)
    p += bar_w(0x1c, 2, 1) + bar_w(0x14, 1, 0x0f)
    p += extra
    p += mem_w(0x1000, b"".join(desc(a, ln, fl, nx) for a, ln, fl, nx in queue_chain_descs), True)
    p += mem_w(0x2000, struct.pack("<HHH", 0, 1, 0), True) + bar_w(0x3000, 2, 0)
    return p


save("virtio_pci", "rng-dmb", driver_dmb([(0x3800, 64, WRITE, 0)]))
save("virtio_blk", "read-dmb", driver_dmb([(0x3800, 16, NEXT, 1), (0x3900, 512, WRITE | NEXT, 2),
                                           (0x3c00, 1, WRITE, 0)],
                                          mem_w(0x3800, struct.pack("<IIQ", 0, 0, 1), True)))
save("virtio_pci", "dmb-offset-zero", driver_dmb([(0, 64, WRITE, 0)]))

# --- fuzz_virtq: ring memory ---------------------------------------------
def ring(descs, heads, qsize_log=3, flags=3, used_len=0):
    hdr = bytes([qsize_log, 0, 0x100 >> 6, 0x200 >> 6, flags, used_len, 0, 0])
    mem = bytearray(0x400)
    t = b"".join(desc(0x10000 + a, ln, fl, nx) for a, ln, fl, nx in descs)
    mem[0:len(t)] = t
    av = struct.pack("<HH", 0, len(heads)) + b"".join(struct.pack("<H", h) for h in heads)
    mem[0x100:0x100 + len(av)] = av
    return hdr + bytes(mem)


save("virtq", "chain", ring([(0x300, 16, NEXT, 1), (0x320, 64, WRITE, 0)], [0]))
save("virtq", "two-chains", ring([(0x300, 16, 0, 0), (0x320, 64, WRITE, 0)], [0, 1]))
ind = ring([(0x380, 32, INDIRECT, 0)], [0])
ind = bytearray(ind)
ind[8 + 0x380:8 + 0x3a0] = desc(0x10300, 16, NEXT, 1) + desc(0x10320, 8, WRITE, 0)
save("virtq", "indirect", ind)

# --- fuzz_pci / fuzz_msix: 8-byte operations (length: 1 + lenc % 8) ------
def pci_op(kind, lenc, a, b, val):
    return bytes([kind, lenc, a, b]) + struct.pack("<I", val)


save("pci", "size-bars", pci_op(2, 3, 0x10, 1, 0xffffffff) + pci_op(2, 3, 0x10, 0, 0)
     + pci_op(2, 3, 0x18, 1, 0xffffffff) + pci_op(2, 3, 0x1c, 1, 0xffffffff)
     + pci_op(2, 3, 0x10, 1, 0xc0000000) + pci_op(2, 1, 0x04, 1, 6) + pci_op(2, 3, 0x18, 1, 0)
     + pci_op(2, 3, 0x1c, 1, 1) + pci_op(2, 1, 0x04, 1, 0))
save("pci", "conf1", pci_op(0, 3, 0, 1, 0x80000800) + pci_op(0, 3, 4, 0, 0)
     + pci_op(0, 3, 0, 1, 0x80000810) + pci_op(0, 3, 4, 1, 0xffffffff))
save("pci", "ecam", pci_op(1, 3, 8, 0, 0) + pci_op(1, 0x83, 8, 1, 0xffffffff))
save("msix", "enable-route-fire",
     bytes([0, 0x83, 0, 0]) + b"\0\0\xe0\xfe" + bytes([0, 0x83, 8, 0]) + b"\x30\0\0\0"
     + bytes([0, 0x83, 12, 0]) + b"\0\0\0\0" + bytes([2, 0, 0, 0, 0x00, 0x80, 0, 0])
     + bytes([3, 0, 0, 0, 0, 0, 0, 0]) + bytes([1, 3, 0, 0, 0, 0, 0, 0]))

# --- headers --------------------------------------------------------------
a64 = bytearray(4096)
a64[8:16] = struct.pack("<Q", 0)
a64[16:24] = struct.pack("<Q", 0x2000000)
a64[24:32] = struct.pack("<Q", 0xa)
a64[56:60] = struct.pack("<I", 0x644d5241)
save("arm64_image", "valid", a64)

bz = bytearray(512 * 18 + 64)
bz[0x1f1] = 17                                    # setup_sects
bz[0x1fe:0x200] = b"\x55\xaa"
bz[0x202:0x206] = b"HdrS"
bz[0x206:0x208] = struct.pack("<H", 0x020f)
bz[0x211] = 0x01                                  # loadflags: LOADED_HIGH
bz[0x218:0x21c] = b"\0\0\0\0"
bz[0x22c:0x230] = struct.pack("<I", 0x7fffffff)   # initrd_addr_max
bz[0x230:0x234] = struct.pack("<I", 0x200000)     # kernel_alignment
bz[0x234] = 1                                     # relocatable
bz[0x236:0x238] = struct.pack("<H", 0x3)          # xloadflags: 64-bit entry
bz[0x238:0x23c] = struct.pack("<I", 2048)         # cmdline_size
bz[0x258:0x260] = struct.pack("<Q", 0x1000000)    # pref_address
bz[0x260:0x264] = struct.pack("<I", 0x400000)     # init_size
save("bzimage", "valid", bz)

# --- command line and profiles -------------------------------------------
save("cli", "flags", b"--kernel\0/bin/sh\0--mem\0512M\0--cpus\0002\0--rng\0--isolation=off")
save("cli", "disk-net", b"--kernel\0/bin/sh\0--disk\0/bin/sh,ro,bounce=4M\0--net\0tap=tap0,mac=52:54:00:12:34:56")
save("cli", "profile", b"--mem\0001G\xff# p\nkernel = ${AIRLOCK_FUZZ}\nmem = 256M\ncpus = 2\n"
     b"disk = /bin/sh,ro\nrng = yes\nlog-level = info  # c\n")

# --- vhost-user replies: byte 0 the message (bit 7: REPLY_ACK), byte 1 a
# size or queue, then what the backend sends ------------------------------
def vhu_reply(req, payload):
    return struct.pack("<III", req, 0x5, len(payload)) + payload
save("vhost_user", "features", bytes([0, 0]) + vhu_reply(1, struct.pack("<Q", 0x140000000)))
save("vhost_user", "ack", bytes([0x81, 0]) + vhu_reply(2, struct.pack("<Q", 0)))
save("vhost_user", "vring-base", bytes([2, 1]) + vhu_reply(11, struct.pack("<II", 1, 77)))
save("vhost_user", "config", bytes([3, 8]) + vhu_reply(24, struct.pack("<III", 0, 8, 0) + bytes(range(8))))

# --- ELF kernels: a vmlinux with a PVH note and a relocation table after it
def elf_seed(with_relocs):
    e = bytearray(0x3100)
    e[0:7] = b"\x7fELF\x02\x01\x01"
    e[16:20] = struct.pack("<HH", 2, 62)              # ET_EXEC, x86_64
    e[24:40] = struct.pack("<QQ", 0x1000010, 64)      # entry (physical), phoff
    e[54:58] = struct.pack("<HH", 56, 2)
    text = 0xffffffff81000000
    e[64:120] = struct.pack("<IIQQQQQQ", 1, 5, 0x1000, text, 0x1000000, 0x2000, 0x3000, 0x200000)
    e[120:176] = struct.pack("<IIQQQQQQ", 4, 4, 0x3000, 0, 0, 20, 20, 4)
    e[0x3000:0x3014] = struct.pack("<III4sI", 4, 4, 18, b"Xen\0", 0x1000400)
    if with_relocs:
        e += struct.pack("<IIIIIII", 0, 0x81000100, 0, 0x81000108, 0, 0x8100010c, 0x81001000)
    return e
save("elf", "vmlinux", elf_seed(False))
save("elf", "payload", elf_seed(True))

# --- decompressors: byte 0 the format (0 gzip, 1 xz, 2 lzma, 3 zstd, 4 lz4,
# 5 detect, 6 initrd), byte 1 the limit, then the stream -------------------
import gzip
import lzma
import shutil
import subprocess
PLAIN = b"".join(b"070701%08x airlock seed %d\n" % (i, i) for i in range(200))
save("decomp", "gzip", bytes([0, 10]) + gzip.compress(PLAIN, mtime=0))
save("decomp", "xz", bytes([1, 10]) + lzma.compress(PLAIN, check=lzma.CHECK_CRC32))
save("decomp", "lzma", bytes([2, 10]) + lzma.compress(PLAIN, format=lzma.FORMAT_ALONE))
save("decomp", "detect", bytes([5, 0x8a]) + gzip.compress(PLAIN, mtime=0) + b"\0\0\0\0")
for name, cmd, fmt in (("zstd", ["zstd", "-q", "-c"], 3), ("lz4", ["lz4", "-q", "-l", "-c"], 4)):
    if shutil.which(cmd[0]):
        save("decomp", name, bytes([fmt, 10]) + subprocess.run(cmd, input=PLAIN, capture_output=True, check=True).stdout)
def newc(name, data):
    h = b"070701" + b"".join(b"%08x" % v for v in (1, 0o100644, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0))
    h += name + b"\0"
    h += b"\0" * (-len(h) % 4) + data
    return h + b"\0" * (-len(h) % 4)
CPIO = newc(b"init", b"#!/bin/sh\n") + newc(b"TRAILER!!!", b"")
save("decomp", "initrd", bytes([6, 10]) + CPIO + b"\0" * 8 + gzip.compress(CPIO, mtime=0))
