// Files the commands write (`report --output`, `export --output`, `merge --output`, and any
// later output such as event files): never one of the command's inputs, whatever the
// spelling (symbolic links, hard links, `./`), and never half-written.
import Foundation
import Tasks

enum OutputFile {
    /// The files that stand for a database: the file and its write-ahead log and shared memory.
    static func databaseFiles(_ path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    /// Throws a one-line failure (exit 1) when `output` resolves to one of `inputs`: the same
    /// device and inode (a hard link, a symbolic link, another spelling), or the same
    /// canonical path. `option` names the flag in the message, e.g. `--output`.
    static func refuseInputs(_ output: String, inputs: [String], option: String = "--output") throws {
        let outputIdentity = identity(output)
        let outputPath = canonicalPath(output)
        for input in inputs {
            let same = (outputIdentity != nil && identity(input) == outputIdentity) || canonicalPath(input) == outputPath
            if same {
                throw fail("\(option) \(output) is \(input), an input of this command (the same file): "
                           + "give another file; nothing was written", code: 1)
            }
        }
    }

    /// Writes `data` to a temporary file in `path`'s folder (created if needed) and renames it
    /// into place: readers see the old file or the new one, never a part, and a failure leaves
    /// the old file whole. A `path` that names something other than a regular file (symbolic
    /// links followed: /dev/null, /dev/stdout, a FIFO) is written in place instead, as a shell's
    /// `>` would: renaming onto it would replace the device node or pipe with a file.
    ///
    /// A symbolic link to a regular file is written through, never replaced: a link to this
    /// process's own standard output or error (`/dev/stdout` with stdout redirected to a file)
    /// through that descriptor, so that the shell's `>` or `>>` holds; any other link by
    /// replacing the file it names.
    static func write(_ data: Data, to path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            if (info.st_mode & S_IFMT) == S_IFDIR { throw failure("it is a folder; give a file name") }
            try writeInPlace(data, to: path)
            return
        }
        var link = stat()
        if lstat(path, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK, stat(path, &info) == 0 {
            for descriptor: Int32 in [STDOUT_FILENO, STDERR_FILENO] {
                var standard = stat()
                if fstat(descriptor, &standard) == 0, standard.st_dev == info.st_dev, standard.st_ino == info.st_ino {
                    fflush(descriptor == STDOUT_FILENO ? stdout : stderr)
                    try writeAll(data, to: descriptor)
                    return
                }
            }
            if let resolved = realpath(path, nil) {
                defer { free(resolved) }
                try write(data, to: String(cString: resolved))
                return
            }
        }
        guard !path.isEmpty else { throw failure("no file name given") }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw failure("cannot create the folder \(folder.path) (\(SystemErrorReason.of(error)))")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create a file in \(folder.path): \(String(cString: strerror(errno)))") }
        close(fd)
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else { throw failure(String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error is CocoaError ? error : failure(SystemErrorReason.of(error))
        }
    }

    /// An error whose description is `text`: commands print it after "cannot write PATH: ".
    private static func failure(_ text: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: text])
    }

    /// Writes `data` through `path` itself (a device, pipe or socket; nothing to replace atomically).
    private static func writeInPlace(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        try writeAll(data, to: fd)
    }

    /// Writes all of `data` to the open descriptor `fd`.
    private static func writeAll(_ data: Data, to fd: Int32) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw failure(String(cString: strerror(errno))) }
                offset += written
            }
        }
    }

    /// Device and inode of the file `path` names (symbolic links followed), nil if there is none.
    private static func identity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// The absolute path with `.`, `..` and the folder's symbolic links resolved.
    private static func canonicalPath(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let folder = url.deletingLastPathComponent().resolvingSymlinksInPath()
        return folder.appendingPathComponent(url.lastPathComponent).resolvingSymlinksInPath().path
    }
}
