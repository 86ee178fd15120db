import BlockSnapTesting
import Testing

@testable import VolumeStoreLocal

/// The on-disk formats: checksum, records, checkpoint, journal replay; and the bitmap.
@Suite struct MetadataFormatTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    @Test func journalRecordsRoundTrip() {
        for record: JournalRecord in [.written(0), .written(134_217_727), .cleared(42), .resized(131_072)] {
            #expect(JournalRecord(encoded: record.encoded) == record)
        }
        #expect(JournalRecord(encoded: 9 << 56) == nil)
    }

    @Test func bitmapSetsClearsUnitesAndSerializes() {
        var bitmap = Bitmap()
        let first = bitmap.insert(3)
        let second = bitmap.insert(3)
        #expect(first && !second)
        bitmap.insert(200)
        #expect(bitmap.contains(200) && !bitmap.contains(201) && !bitmap.contains(-1) && !bitmap.contains(1 << 40))
        #expect(bitmap.count == 2)
        var other = Bitmap()
        other.insert(64)
        other.insert(1000)
        bitmap.formUnion(other)
        #expect(bitmap.indexes() == [3, 64, 200, 1000])
        let removed = [bitmap.remove(64), bitmap.remove(64), bitmap.remove(5000)]
        #expect(removed == [true, false, false])
        let bytes = bitmap.serialized(wordCount: 20)
        #expect(Bitmap.deserialize(bytes, offset: 0, wordCount: 20).indexes() == [3, 200, 1000])
    }

    @Test func checkpointRoundTripsAndDetectsDamage() throws {
        var local = Bitmap()
        var changed = Bitmap()
        for i: Int64 in [0, 5, 2047] { local.insert(i) }
        changed.insert(5)
        let state = DurableBlockState(
            generation: 7, blockCount: 2048, segmentBytes: 4 << 20, local: local, changed: changed)
        let bytes = state.encodeCheckpoint()
        #expect(bytes.count == 44 + 32 * 16)
        #expect(bytes.readLE(UInt16.self, at: 4) == 2)
        #expect(try DurableBlockState.decodeCheckpoint(bytes, path: "state") == state)
        for position in [0, 5, 20, 26, 40, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x10
            #expect(throws: VolumeStoreError.self) { try DurableBlockState.decodeCheckpoint(damaged, path: "state") }
        }
        #expect(throws: VolumeStoreError.self) {
            try DurableBlockState.decodeCheckpoint(Array(bytes.dropLast()), path: "state")
        }
    }

    @Test func versionOneCheckpointsDecodeWithoutASegmentSize() throws {
        var local = Bitmap()
        local.insert(9)
        let bytes = LegacyVolume.versionOneCheckpoint(generation: 3, blockCount: 100, local: local, changed: local)
        #expect(bytes.count == 36 + 2 * 16)
        #expect(
            try DurableBlockState.decodeCheckpoint(bytes, path: "state")
                == DurableBlockState(generation: 3, blockCount: 100, segmentBytes: 0, local: local, changed: local))
    }

    @Test func aCheckpointWithAnInvalidSegmentSizeIsCorrupt() async throws {
        let state = DurableBlockState(
            generation: 1, blockCount: 64, segmentBytes: 1 << 20, local: Bitmap(), changed: Bitmap())
        for bad: UInt64 in [0, 1000, UInt64(bitPattern: -(1 << 20))] {
            var bytes = state.encodeCheckpoint()
            bytes.replaceSubrange(24..<32, with: withUnsafeBytes(of: bad.littleEndian, Array.init))
            bytes.replaceSubrange(bytes.count - 4..<bytes.count, with: [])
            bytes.appendLE(CRC32C.checksum(bytes))
            #expect(await throwsCode(.corruptMetadata) { _ = try DurableBlockState.decodeCheckpoint(bytes, path: "s") })
        }
        var future = state.encodeCheckpoint()
        future[4] = 3
        #expect(await throwsCode(.corruptMetadata) { _ = try DurableBlockState.decodeCheckpoint(future, path: "s") })
    }

    @Test func journalReplayStopsAtTheFirstBadBatch() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-journal")
        defer { directory.remove() }
        let layout = VolumeLayout(directory: directory.path)
        do {
            let (journal, records) = try ChangeJournal.open(layout, generation: 3)
            #expect(records.isEmpty)
            try journal.append([.written(1), .written(2)])
            try journal.append([.cleared(1)])
            try journal.append([.written(9)])
        }
        #expect(
            try ChangeJournal.open(layout, generation: 3).1 == [.written(1), .written(2), .cleared(1), .written(9)])
        // Damage the last batch: it and only it is dropped, and the file is cut there.
        let file = try POSIXFile.open(layout.journalPath, flags: 2)
        let length = try file.length()
        try [UInt8](repeating: 0xFF, count: 1).withUnsafeBytes { try file.write($0, at: length - 6) }
        let (journal, records) = try ChangeJournal.open(layout, generation: 3)
        #expect(records == [.written(1), .written(2), .cleared(1)])
        #expect(try file.length() == length - 28)
        try journal.append([.written(4)])
        #expect(
            try ChangeJournal.open(layout, generation: 3).1 == [.written(1), .written(2), .cleared(1), .written(4)])
        // A journal older than the checkpoint is already in it: discarded.
        #expect(try ChangeJournal.open(layout, generation: 4).1 == [])
        #expect(throws: VolumeStoreError.self) { try ChangeJournal.open(layout, generation: 2) }
    }
}
