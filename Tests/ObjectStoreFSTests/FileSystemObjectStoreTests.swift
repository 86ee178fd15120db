import BlockSnapCore
import BlockSnapTesting
import Foundation
import ObjectStoreFS
import Testing

@Suite("FileSystemObjectStore on disk")
struct FileSystemObjectStoreTests {
    let directory: TemporaryDirectory
    let root: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "objectstore-fs")
        root = directory.appending("objects")
    }

    @Test("an object is the file <root>/<key>")
    func layout() async throws {
        defer { directory.remove() }
        let store = try FileSystemObjectStore(root: root + "/")
        #expect(store.root == root, "a trailing slash is dropped")
        try await store.put("blocks/ab/abcdef", [1, 2, 3])
        #expect(FileManager.default.contents(atPath: root + "/blocks/ab/abcdef") == Data([1, 2, 3]))
        #expect(try temporaryFiles(under: root).isEmpty, "a finished put leaves no temporary file")
    }

    @Test(
        "keys breaking the rules are refused by every operation",
        arguments: [
            "", "/abs", "a//b", "a/", "..", "../x", "a/../b", "a/./b", ".hidden", "a/.tmp-0123456789abcdef",
            "with space", "ü", "a\\b", "a:b", String(repeating: "k", count: 256),
            String(repeating: "a/", count: 512) + "z",
        ])
    func invalidKeys(key: String) async throws {
        defer { directory.remove() }
        let store = try FileSystemObjectStore(root: root)
        await #expect(throws: FileSystemObjectStoreError.self) { try await store.put(key, [1]) }
        await #expect(throws: FileSystemObjectStoreError.self) { _ = try await store.get(key) }
        await #expect(throws: FileSystemObjectStoreError.self) { _ = try await store.exists(key) }
        await #expect(throws: FileSystemObjectStoreError.self) { try await store.delete(key) }
        do {
            try await store.put(key, [1])
        } catch let error as FileSystemObjectStoreError {
            #expect(error.code == .invalidKey)
        }
        #expect(try await store.list(prefix: "") == [], "a refused key writes nothing")
    }

    @Test("a prefix that no key can have lists nothing, without touching paths outside the root")
    func impossiblePrefixes() async throws {
        defer { directory.remove() }
        let store = try FileSystemObjectStore(root: root)
        try await store.put("a/b", [1])
        for prefix in ["../", "../objects/a", "/", "a//", ".tmp-", "a/.", "ü/"] {
            #expect(try await store.list(prefix: prefix) == [], "prefix \(prefix)")
        }
    }

    @Test("temporary files of interrupted writes are never read or listed")
    func strayTemporaryFilesAreInvisible() async throws {
        defer { directory.remove() }
        let store = try FileSystemObjectStore(root: root)
        try await store.put("blocks/ab/object", [1, 1, 1])
        // What a write killed before its rename leaves: a partial temporary file beside the object.
        try write([9, 9], to: root + "/blocks/ab/.tmp-00000000deadbeef")
        try write([9], to: root + "/.tmp-0000000000000001")
        #expect(try await store.get("blocks/ab/object") == [1, 1, 1], "the old object stays whole")
        #expect(try await store.list(prefix: "") == ["blocks/ab/object"])
        #expect(try await store.list(prefix: "blocks/ab/") == ["blocks/ab/object"])
        await #expect(throws: FileSystemObjectStoreError.self) {
            _ = try await store.get("blocks/ab/.tmp-00000000deadbeef")
        }
    }

    @Test("opening a store deletes temporary files left by a crash, and nothing else")
    func cleanUpOnOpen() async throws {
        defer { directory.remove() }
        let first = try FileSystemObjectStore(root: root)
        try await first.put("blocks/cd/kept", [4, 5])
        try await first.put("top", [6])
        let leftovers = [root + "/.tmp-aaaaaaaaaaaaaaaa", root + "/blocks/cd/.tmp-bbbbbbbbbbbbbbbb"]
        for path in leftovers { try write([0], to: path) }
        try write([7], to: root + "/blocks/.not-a-temp")

        let reopened = try FileSystemObjectStore(root: root)
        #expect(try temporaryFiles(under: root).isEmpty, "leftover temporary files must be deleted on open")
        #expect(FileManager.default.fileExists(atPath: root + "/blocks/.not-a-temp"), "only .tmp- files are deleted")
        #expect(try await reopened.get("blocks/cd/kept") == [4, 5])
        #expect(try await reopened.list(prefix: "") == ["blocks/cd/kept", "top"])
        #expect(try reopened.cleanUpTemporaryFiles() == 0)
    }

    @Test("a key cannot be both an object and a directory; a failed put leaves nothing behind")
    func fileDirectoryConflicts() async throws {
        defer { directory.remove() }
        let store = try FileSystemObjectStore(root: root)
        try await store.put("a", [1])
        try await store.put("x/y", [2])
        await #expect(throws: FileSystemObjectStoreError.self) { try await store.put("a/b", [3]) }
        await #expect(throws: FileSystemObjectStoreError.self) { try await store.put("x", [4]) }
        #expect(try await store.get("x") == nil, "a directory is not an object")
        #expect(try await store.exists("x") == false)
        try await store.delete("x")
        #expect(try await store.get("x/y") == [2], "deleting a directory's name deletes nothing")
        #expect(try await store.list(prefix: "") == ["a", "x/y"])
        #expect(try temporaryFiles(under: root).isEmpty, "a failed put removes its temporary file")
    }

    @Test("the root and its missing parents are created; a root that is a file is refused")
    func rootCreation() throws {
        defer { directory.remove() }
        _ = try FileSystemObjectStore(root: directory.appending("deep/er/root"))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory.appending("deep/er/root"), isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
        try write([1], to: directory.appending("plain-file"))
        #expect(throws: FileSystemObjectStoreError.self) {
            _ = try FileSystemObjectStore(root: directory.appending("plain-file"))
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    private func temporaryFiles(under path: String) throws -> [String] {
        let all = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
        return all.filter { ($0 as NSString).lastPathComponent.hasPrefix(".tmp-") }
    }
}
