/// Where one volume's files live (see docs/volume-store.md):
///
///     <root>/<vol-id>/data.<n>    sparse segment file n: bytes [n×S, (n+1)×S) of the volume
///                                 (S = the volume's segment size); created on first write
///     <root>/<vol-id>/data        the single data file of format 1, renamed to data.0 on open
///     <root>/<vol-id>/state       checkpoint: block count, local and changed bitmaps
///     <root>/<vol-id>/journal     block-state records since the checkpoint
///     <root>/<vol-id>/clean       present only while the volume is closed cleanly
///     <root>/.creating-<vol-id>/  a volume being created (renamed into place when whole)
///     <root>/.deleting-<vol-id>/  a volume being deleted
///
/// Invariant: a directory named `<vol-id>` under the root always holds a whole volume.
struct VolumeLayout: Sendable {
    /// The volume's directory.
    let directory: String

    /// The layout of `volumeId` under `root`.
    init(root: String, volumeId: String) {
        directory = root + "/" + volumeId
    }

    /// A layout rooted at an arbitrary directory (the staging directory during creation).
    init(directory: String) {
        self.directory = directory
    }

    /// Segment file `index` (`data.<index>`).
    func segmentPath(_ index: Int) -> String { directory + "/data.\(index)" }
    /// The single data file of the version 1 layout (see `SegmentedDataFile.upgradeLegacy`).
    var legacyDataPath: String { directory + "/data" }
    var statePath: String { directory + "/state" }
    var stateTempPath: String { directory + "/state.tmp" }
    var journalPath: String { directory + "/journal" }
    var cleanPath: String { directory + "/clean" }
    /// A copy-before-write side file; unlinked right after it is created.
    func preservedPath(_ tag: String) -> String { directory + "/preserved-\(tag)" }

    /// The segment index of a directory entry named `data.<n>` (`n` in decimal, no sign or
    /// leading zeros); nil for any other name.
    static func segmentIndex(fileName name: String) -> Int? {
        guard name.hasPrefix("data."), case let digits = name.dropFirst(5), !digits.isEmpty, digits.count <= 18,
            digits.allSatisfy({ ("0"..."9").contains($0) }), digits == "0" || digits.first != "0"
        else { return nil }
        return Int(digits)
    }

    /// Staging directory used while creating `volumeId`.
    static func creatingPath(root: String, volumeId: String) -> String { root + "/.creating-" + volumeId }
    /// Directory a volume is renamed to before its files are removed.
    static func deletingPath(root: String, volumeId: String) -> String { root + "/.deleting-" + volumeId }

    /// Whether `id` is usable as a directory name: 1–128 of `[A-Za-z0-9_-]`, starting with a
    /// letter or digit (EC2 ids are `vol-` and 17 hex digits).
    static func isValidVolumeId(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...128).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }
}
