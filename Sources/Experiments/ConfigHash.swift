// The config hash: the SHA-256 of a run's canonical JSON, equal for equal configurations
// in any process.

/// The hash that identifies a run configuration in the database (`runs.config_hash`).
public enum ConfigHash {
    /// SHA-256 hex of the canonical JSON text.
    public static func of(canonicalJSON text: String) -> String { SHA256.hexDigest(text) }
}
