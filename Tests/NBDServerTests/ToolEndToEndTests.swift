import Foundation
import Testing

@testable import NBDServer

/// Real clients against an in-process server: nbdsh and nbdinfo (libnbd-bin), qemu-img
/// (qemu-utils), nbdcopy. Each test is skipped when its tool is missing.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ToolEndToEndTests {
    static let volume = TestExport.id(1)

    @Test(.enabled(if: ExternalTool.has("nbdsh"), "nbdsh is not installed (Debian python3-libnbd)"))
    func nbdshReadsWritesFlushesZeroesAndTrims() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            let script = """
                import errno
                h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
                h.connect_uri("\(server.uri(Self.volume))")
                assert h.get_size() == 1 << 30
                assert h.get_structured_replies_negotiated()
                assert h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
                assert h.can_flush() and h.can_fua() and h.can_trim() and h.can_zero() and h.can_fast_zero()
                assert h.can_multi_conn() and h.can_df() and not h.is_read_only()
                h.pwrite(b"x" * 4096, 0)
                assert h.pread(4096, 0) == b"x" * 4096
                h.pwrite(b"y" * 100, 4000, nbd.CMD_FLAG_FUA)
                assert h.pread(200, 3950) == b"x" * 50 + b"y" * 100 + bytes(50)
                h.flush()
                h.zero(1 << 20, 0)
                assert h.pread(4096, 0) == bytes(4096)
                h.pwrite(b"z" * 512, 3 << 19)
                h.zero(4096, 3 << 19, nbd.CMD_FLAG_NO_HOLE)
                assert h.pread(512, 3 << 19) == bytes(512)
                h.pwrite(b"w" * 512, 2 << 20)
                h.trim(4096, 2 << 20)
                assert h.pread(512, 2 << 20) == bytes(512)
                try:
                    h.zero(4096, 100, nbd.CMD_FLAG_FAST_ZERO)
                    assert False, "an unaligned fast zero must fail"
                except nbd.Error as e:
                    assert e.errnum == errno.ENOTSUP, e
                h.zero(1 << 20, 8 << 20, nbd.CMD_FLAG_FAST_ZERO)
                try:
                    h.pread(4096, (1 << 30) - 100)
                    assert False, "a read past the end must fail"
                except nbd.Error as e:
                    assert e.errnum == errno.EINVAL, e
                h.pwrite(b"e" * 10, (1 << 30) - 10)
                assert h.pread(10, (1 << 30) - 10) == b"e" * 10
                h.shutdown()
                """
            try await ExternalTool.check("nbdsh", ["-c", script])
        }
    }

    @Test(.enabled(if: ExternalTool.has("nbdsh"), "nbdsh is not installed (Debian python3-libnbd)"))
    func nbdshSeesBlockStatusHolesAndData() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            let script = """
                h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
                h.connect_uri("\(server.uri(Self.volume))")
                block = 512 * 1024
                h.pwrite(b"d" * 4096, block * 2 + 100)
                seen = []
                def extents(context, offset, entries, err):
                    assert context == nbd.CONTEXT_BASE_ALLOCATION
                    seen.extend(zip(entries[0::2], entries[1::2]))
                h.block_status(1 << 30, 0, extents)
                assert seen[0] == (block * 2, 3), seen
                assert seen[1] == (block, 0), seen
                assert seen[2][1] == 3, seen
                assert sum(length for length, _ in seen) == 1 << 30, seen
                seen.clear()
                h.block_status(block * 4, block, extents, nbd.CMD_FLAG_REQ_ONE)
                assert seen == [(block, 3)], seen
                h.shutdown()
                """
            try await ExternalTool.check("nbdsh", ["-c", script])
        }
    }

    @Test(.enabled(if: ExternalTool.has("nbdsh"), "nbdsh is not installed (Debian python3-libnbd)"))
    func readOnlyExportRefusesWrites() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume, writable: false)]) { server in
            let script = """
                import errno
                h.connect_uri("\(server.uri(Self.volume))")
                assert h.is_read_only() and not h.can_trim() and not h.can_zero()
                assert h.pread(4096, 0) == bytes(4096)
                h.set_strict_mode(0)
                try:
                    h.pwrite(b"x" * 512, 0)
                    assert False, "a write to a read-only export must fail"
                except nbd.Error as e:
                    assert e.errnum == errno.EPERM, e
                h.flush()
                h.shutdown()
                """
            try await ExternalTool.check("nbdsh", ["-c", script])
        }
    }

    @Test(.enabled(if: ExternalTool.has("nbdinfo"), "nbdinfo is not installed (Debian libnbd-bin)"))
    func nbdinfoDescribesTheExportAndMapsIt() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            let volume = Self.volume
            let info = try await ExternalTool.check("nbdinfo", [server.uri(volume)])
            #expect(info.stdout.contains("export-size: 1073741824"))
            #expect(info.stdout.contains("can_multi_conn: true"))
            #expect(info.stdout.contains("block_size_maximum: 33554432"))
            try await server.volumes.write(volumeId: volume, offset: 3 << 19, bytes: [UInt8](repeating: 1, count: 10))
            let map = try await ExternalTool.check("nbdinfo", ["--map", server.uri(volume)])
            let rows = map.stdout.split(separator: "\n").map {
                $0.split(separator: " ", omittingEmptySubsequences: true)
            }
            #expect(
                rows.map { $0.prefix(3).joined(separator: " ") } == [
                    "0 1572864 3", "1572864 524288 0", "2097152 1071644672 3",
                ])
        }
    }

    @Test(.enabled(if: ExternalTool.has("qemu-img"), "qemu-img is not installed (Debian qemu-utils)"))
    func qemuImgConvertsIntoAndOutOfAVolumeAndCompares() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume)]) { server in
            let image = server.path("disk.img")
            try writeImage(
                image, size: 64 << 20, data: [0..<5000, (3 << 20)..<(5 << 20) + 17, (63 << 20)..<(64 << 20)])
            let uri = server.uri(Self.volume)
            try await ExternalTool.check("qemu-img", ["convert", "-n", "-f", "raw", "-O", "raw", image, uri])
            try await ExternalTool.check("qemu-img", ["compare", "-f", "raw", "-F", "raw", image, uri])
            let copy = server.path("copy.img")
            try await ExternalTool.check("qemu-img", ["convert", "-f", "raw", "-O", "raw", uri, copy])
            try await ExternalTool.check("qemu-img", ["compare", "-f", "raw", "-F", "raw", image, copy])
            try writeImage(server.path("other.img"), size: 64 << 20, data: [0..<5000], seed: 2)
            let differs = try await ExternalTool.run(
                "qemu-img", ["compare", "-f", "raw", "-F", "raw", server.path("other.img"), uri])
            #expect(differs.status == 1)
        }
    }

    @Test(.enabled(if: ExternalTool.has("nbdcopy", "nbdinfo", "qemu-img"), "nbdcopy, nbdinfo or qemu-img is missing"))
    func nbdcopyCopiesBothWaysOverSeveralConnections() async throws {
        try await withNBDServer([TestExport(volumeId: Self.volume), TestExport(volumeId: TestExport.id(2))]) { server in
            let image = server.path("disk.img")
            try writeImage(
                image, size: 1 << 30,
                data: [0..<(8 << 20), (100 << 20)..<(101 << 20) + 3, ((1 << 30) - 4096)..<(1 << 30)])
            let uri = server.uri(Self.volume)
            try await ExternalTool.check("nbdcopy", ["--connections=4", "--requests=16", image, uri])
            // nbdcopy zeroes the destination's unwritten areas; they stay holes.
            let map = try await ExternalTool.check("nbdinfo", ["--map", uri])
            let data = map.stdout.split(separator: "\n").filter { $0.hasSuffix("data") }
                .map { $0.split(separator: " ", omittingEmptySubsequences: true).prefix(2).joined(separator: " ") }
            #expect(data == ["0 8388608", "104857600 1572864", "1073217536 524288"])
            let copy = server.path("copy.img")
            try await ExternalTool.check("nbdcopy", [uri, copy])
            try await ExternalTool.check("qemu-img", ["compare", "-f", "raw", "-F", "raw", image, copy])
            let second = server.uri(TestExport.id(2))
            try await ExternalTool.check("nbdcopy", [uri, second])
            try await ExternalTool.check("qemu-img", ["compare", "-f", "raw", "-F", "raw", image, second])
        }
    }
}
