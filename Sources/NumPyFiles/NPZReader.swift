// The .npz format: a zip archive of .npy members, one per array, as NumPy writes
// it with np.savez (stored) and np.savez_compressed (deflated), read through
// ZIPFoundation (which also reads the ZIP64 fields NumPy always writes).
import Foundation
import ZIPFoundation

public enum NPZReader {
    /// Every array of the archive by name (the member's path without ".npy").
    /// `file` names the archive in errors.
    public static func read(_ url: URL, file: String? = nil, maxBytes: UInt64 = NumPyFiles.maxBytes) throws -> [String: NumPyArray] {
        let name = file ?? url.path
        try NPYReader.requireRegularFile(url, file: name)
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw NumPyError(file: name, array: nil, problem: "no such file, or it cannot be read")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw NumPyError(file: name, array: nil, problem: "not a .npz file (not a readable zip archive)")
        }
        let total = archive.filter { $0.type == .file && $0.path.hasSuffix(".npy") }.reduce(UInt64(0)) { $0 &+ $1.uncompressedSize }
        try NumPyFiles.requireFits(total, file: name, maxBytes: maxBytes)
        var arrays: [String: NumPyArray] = [:]
        for entry in archive where entry.type == .file {
            let member = entry.path
            guard member.hasSuffix(".npy") else { continue }   // NumPy writes only .npy members
            let arrayName = String(member.dropLast(4))
            var data = Data()
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            } catch {
                throw NumPyError(file: name, array: arrayName, problem: "its zip member cannot be extracted (\(error))")
            }
            // The consumer form of extract computes the CRC-32 but does not compare it.
            guard checksum == entry.checksum else {
                throw NumPyError(file: name, array: arrayName, problem: "its zip member is damaged: its bytes have CRC-32 "
                                 + String(format: "%08x where the archive records %08x", checksum, entry.checksum))
            }
            arrays[arrayName] = try NPYReader.parse(data, file: name, array: arrayName)
        }
        return arrays
    }
}

/// Reads a data set's arrays: a .npz archive, or a folder of .npy files (one per array, named
/// like the archive's members).
public enum NumPyFiles {
    /// The most bytes of arrays read (uncompressed): an eighth of physical memory, since the
    /// arrays, their copy as a data set and the batches take about 3.5 times their size.
    public static var maxBytes: UInt64 { ProcessInfo.processInfo.physicalMemory / 8 }

    /// Throws when `bytes` of arrays are more than `maxBytes`.
    static func requireFits(_ bytes: UInt64, file: String, maxBytes: UInt64) throws {
        guard bytes > maxBytes else { return }
        throw NumPyError(file: file, array: nil, problem: "its arrays take \(bytes) bytes; reading them as a data set needs about 3.5 times that, "
                         + "and at most \(maxBytes) bytes (an eighth of this machine's memory) are read: use fewer or shorter sequences")
    }

    public static func readArrays(at url: URL, shownAs file: String, maxBytes: UInt64 = NumPyFiles.maxBytes) throws -> [String: NumPyArray] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw NumPyError(file: file, array: nil, problem: "no such file or folder")
        }
        guard isDirectory.boolValue else {
            if url.pathExtension == "npy" {
                throw NumPyError(file: file, array: nil, problem: "a single .npy holds one array; expected a .npz archive (np.savez) or a folder of .npy files named x_train.npy, y_train.npy, ...")
            }
            return try NPZReader.read(url, file: file, maxBytes: maxBytes)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let total = names.filter { $0.hasSuffix(".npy") }.reduce(UInt64(0)) { sum, member in
            var info = stat()
            return stat(url.appendingPathComponent(member).path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? sum &+ UInt64(info.st_size) : sum
        }
        try requireFits(total, file: file, maxBytes: maxBytes)
        var arrays: [String: NumPyArray] = [:]
        for member in names.sorted() where member.hasSuffix(".npy") {
            let arrayName = String(member.dropLast(4))
            let data: Data
            try NPYReader.requireRegularFile(url.appendingPathComponent(member), file: file + "/" + member)
            do { data = try Data(contentsOf: url.appendingPathComponent(member)) } catch {
                throw NumPyError(file: file + "/" + member, array: nil, problem: "cannot be read")
            }
            arrays[arrayName] = try NPYReader.parse(data, file: file + "/" + member, array: nil)
        }
        return arrays
    }
}
