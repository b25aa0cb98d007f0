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

        public var description: String {
            switch self {
            case .missing(let path): return "\"\(path)\" does not exist; expected a UTF-8 text file or a folder of them"
            case .unreadable(let path, let reason): return "\"\(path)\" cannot be read (\(reason))"
            case .empty(let path): return "\"\(path)\" is empty; expected UTF-8 text"
            case .notUTF8(let path): return "\"\(path)\" is not UTF-8 text (invalid UTF-8 or NUL bytes)"
            case .noTextFiles(let path): return "folder \"\(path)\" contains no non-empty UTF-8 text file"
            }
        }
    }

    public init(path url: URL) throws {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ReadError.missing(path: path)
        }
        if !isDirectory.boolValue {
            let data = try TextCorpus.read(url)
            if data.isEmpty { throw ReadError.empty(path: path) }
            guard let text = TextCorpus.utf8Text(data) else { throw ReadError.notUTF8(path: path) }
            self.text = text
            files = [url.lastPathComponent]
            skippedFiles = []
            return
        }
        var relativePaths: [String] = []
        try TextCorpus.collectFiles(in: url, relative: "", into: &relativePaths)
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
            throw ReadError.unreadable(path: url.path, reason: error.localizedDescription)
        }
    }

    static func collectFiles(in folder: URL, relative: String, into paths: inout [String]) throws {
        let directory = relative.isEmpty ? folder : folder.appendingPathComponent(relative)
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw ReadError.unreadable(path: directory.path, reason: error.localizedDescription)
        }
        for name in names where !name.hasPrefix(".") {
            let child = relative.isEmpty ? name : relative + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(child).path,
                                                 isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try collectFiles(in: folder, relative: child, into: &paths)
            } else {
                paths.append(child)
            }
        }
    }
}
