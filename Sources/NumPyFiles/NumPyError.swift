// Why a NumPy file or one of its arrays cannot be read: one line naming the
// file, the array (when there is one) and the problem.
import Foundation

public struct NumPyError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file as the user named it.
    public let file: String
    /// The array's name (a .npz member without ".npy"), nil for the file as a whole.
    public let array: String?
    public let problem: String

    public init(file: String, array: String?, problem: String) {
        self.file = file
        self.array = array
        self.problem = problem
    }

    public var description: String {
        array.map { "\(file): array \"\($0)\": \(problem)" } ?? "\(file): \(problem)"
    }
    public var errorDescription: String? { description }
}
