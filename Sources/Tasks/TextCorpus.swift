// Reading the text a character model trains on: one UTF-8 file, or every text
// file under a folder in sorted path order.
import Foundation

/// Text read from a file or a folder.
///
/// A folder is walked recursively; entries whose name starts with "." are
/// skipped (hidden files, `.build`, `.git`), the remaining regular files are
/// sorted by their path relative to the folder (byte order of the UTF-8
/// path) and concatenated as they are. A file in a folder is skipped as
/// binary if it contains a NUL byte or is not valid UTF-8. A single file named
/// directly must be non-empty valid UTF-8 without NUL bytes, and a folder must
/// yield non-empty text.
///
/// Devices, FIFOs and sockets are refused when named and skipped inside a folder; a
/// folder walk stays on the folder's own file system (like `find -xdev`), visits each
/// folder once (symbolic links cannot loop it), and stops with a message beyond
/// `maxFiles` files or `maxBytes` bytes (the text is held in memory). The root folder
/// `/` is refused.
public struct TextCorpus: Sendable {
    public let text: String
    /// The files read, relative to the folder (or the file's own name), in order.
    public let files: [String]
    /// Files of the folder skipped as binary, relative to the folder.
    public let skippedFiles: [String]

    /// Why text could not be read; the message names the path and what was expected.
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case missing(path: String)
        case unreadable(path: String, reason: String)
        case empty(path: String)
        case notUTF8(path: String)
        case noTextFiles(path: String)
        /// A device, FIFO or socket: `kind` says which.
        case notAFile(path: String, kind: String)
        case tooLarge(path: String, limit: String)
        case rootFolder


        /// A path as messages show it: whole up to 200 characters, else its two ends.
        static func shown(_ path: String) -> String {
            path.count <= 200 ? path : String(path.prefix(97)) + "..." + String(path.suffix(100))
        }

        public var description: String {
            switch self {
            case .missing(let path): return "\"\(ReadError.shown(path))\" does not exist; expected a UTF-8 text file or a folder of them"
            case .unreadable(let path, let reason): return "\"\(ReadError.shown(path))\" cannot be read (\(reason))"
            case .empty(let path): return "\"\(ReadError.shown(path))\" is empty; expected UTF-8 text"
            case .notUTF8(let path): return "\"\(ReadError.shown(path))\" is not UTF-8 text (invalid UTF-8 or NUL bytes)"
            case .noTextFiles(let path): return "folder \"\(ReadError.shown(path))\" contains no non-empty UTF-8 text file"
            case .notAFile(let path, let kind):
                return "\"\(ReadError.shown(path))\" is \(kind), not a text file; expected a UTF-8 text file or a folder of them"
            case .tooLarge(let path, let limit):
                return "\"\(ReadError.shown(path))\" holds more than \(limit); expected at most that much text (it is read into memory)"
            case .rootFolder:
                return "\"/\" is the root of the file system, not a folder of text; expected a UTF-8 text file or a folder of them"
            }
        }
    }

    /// At most this many files are read from a folder.
    public static let maxFiles = 100_000
    /// At most this many bytes of text are read.
    public static let maxBytes = 1_000_000_000

    public init(path url: URL) throws {
        let path = url.path
        var info = stat()
        guard stat(path, &info) == 0 else { throw ReadError.missing(path: path) }
        if let kind = TextCorpus.specialKind(info.st_mode) { throw ReadError.notAFile(path: path, kind: kind) }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        if isDirectory && url.standardizedFileURL.resolvingSymlinksInPath().path == "/" { throw ReadError.rootFolder }
        if !isDirectory {
            if Int(info.st_size) > TextCorpus.maxBytes { throw ReadError.tooLarge(path: path, limit: "\(TextCorpus.maxBytes) bytes") }
            let data = try TextCorpus.read(url)
            if data.isEmpty { throw ReadError.empty(path: path) }
            guard let text = TextCorpus.utf8Text(data) else { throw ReadError.notUTF8(path: path) }
            self.text = text
            files = [url.lastPathComponent]
            skippedFiles = []
            return
        }
        var relativePaths: [String] = []
        var walk = Walk(device: info.st_dev)
        try TextCorpus.collectFiles(in: url, relative: "", into: &relativePaths, walk: &walk)
        relativePaths.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var text = ""
        var read: [String] = [], skipped: [String] = []
        for relative in relativePaths {
            let data = try TextCorpus.read(url.appendingPathComponent(relative))
            if let fileText = TextCorpus.utf8Text(data) {
                text += fileText
                read.append(relative)
            } else {
                skipped.append(relative)
            }
        }
        if text.isEmpty { throw ReadError.noTextFiles(path: path) }
        self.text = text
        files = read
        skippedFiles = skipped
    }

    /// Valid UTF-8 without NUL bytes, as a string; nil otherwise.
    static func utf8Text(_ data: Data) -> String? {
        if data.contains(0) { return nil }
        return String(validating: data, as: UTF8.self)
    }

    static func read(_ url: URL) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw ReadError.unreadable(path: url.path, reason: posixReason(url.path) ?? SystemErrorReason.of(error))
        }
    }

    /// Why opening or reading `path` fails, from errno (Foundation's read errors often carry
    /// no reason); nil when both work.
    static func posixReason(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var byte: UInt8 = 0
        return Foundation.read(fd, &byte, 1) < 0 ? String(cString: strerror(errno)) : nil
    }

    /// What a folder walk has seen so far.
    struct Walk {
        var device: dev_t
        var visitedFolders = Set<[UInt64]>()
        var files = 0
        var bytes = 0
    }

    /// "a character device", "a FIFO (named pipe)", ... for what is not a file or folder; nil otherwise.
    static func specialKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        default: return nil
        }
    }

    static func collectFiles(in folder: URL, relative: String, into paths: inout [String], walk: inout Walk) throws {
        let directory = relative.isEmpty ? folder : folder.appendingPathComponent(relative)
        var folderInfo = stat()
        guard stat(directory.path, &folderInfo) == 0,
              walk.visitedFolders.insert([UInt64(folderInfo.st_dev), UInt64(folderInfo.st_ino)]).inserted else { return }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw ReadError.unreadable(path: directory.path, reason: SystemErrorReason.of(error))
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard stat(folder.appendingPathComponent(child).path, &info) == 0,
                  specialKind(info.st_mode) == nil, info.st_dev == walk.device else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                try collectFiles(in: folder, relative: child, into: &paths, walk: &walk)
            } else {
                walk.files += 1
                walk.bytes += Int(info.st_size)
                if walk.files > maxFiles { throw ReadError.tooLarge(path: folder.path, limit: "\(maxFiles) files") }
                if walk.bytes > maxBytes { throw ReadError.tooLarge(path: folder.path, limit: "\(maxBytes) bytes") }
                paths.append(child)
            }
        }
    }
}
