// Saving and loading a model as a safetensors file. For rnn, lstm and
// gru_reset_after the tensor names, shapes and gate order are PyTorch's nn.RNN /
// nn.LSTM / nn.GRU state_dict with num_layers = layers (weight_ih_l{k},
// weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, plus head.weight, head.bias), so a
// model trained here loads into PyTorch with strict=True. The seed's GRU has no
// PyTorch twin and is saved under names of its own (see README, "Weight layout").
//
// Format: 8-byte little-endian header length, a JSON header
// {"__metadata__": {...}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}},
// then the little-endian float data.

import Foundation

public enum SafetensorsError: Error, CustomStringConvertible {
    case truncated(String)
    case badHeader(String)
    case missingTensor(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])
    case unsupportedDType(name: String, dtype: String)

    public var description: String {
        switch self {
        case .truncated(let what): return "safetensors file is truncated: \(what)"
        case .badHeader(let why): return "safetensors header is invalid: \(why)"
        case .missingTensor(let name): return "safetensors file has no tensor '\(name)'"
        case .shapeMismatch(let name, let expected, let found):
            return "safetensors tensor '\(name)' has shape \(found), expected \(expected)"
        case .unsupportedDType(let name, let dtype): return "safetensors tensor '\(name)' has dtype \(dtype), expected F32"
        }
    }
}

public enum Safetensors {
    /// Metadata key holding the model configuration as JSON.
    public static let configKey = "runner.config"

    /// The file names of layer k's tensors (weight_ih, weight_hh, the first bias, PyTorch's
    /// bias_hh or nil): PyTorch's for rnn, lstm and gru_reset_after; the seed's GRU keeps
    /// gru.weight_ih, gru.weight_hh, gru.bias (with _l{k} when there are several layers).
    static func names(_ c: ModelConfig, layer k: Int) -> (String, String, String, String?) {
        if c.cell == .gru {
            let suffix = c.layers == 1 ? "" : "_l\(k)"
            return ("gru.weight_ih" + suffix, "gru.weight_hh" + suffix, "gru.bias" + suffix, nil)
        }
        return ("weight_ih_l\(k)", "weight_hh_l\(k)", "bias_ih_l\(k)", "bias_hh_l\(k)")
    }

    /// The file's tensors: (name, shape, values) in file order.
    static func tensors(of model: Model) -> [(String, [Int], [Float])] {
        let c = model.config, L = model.layout, p = model.parameters
        func values(_ s: TensorSlot) -> [Float] { Array(p[s.range]) }
        var out: [(String, [Int], [Float])] = []
        for (k, layer) in L.layers.enumerated() {
            let (wih, whh, bih, bhh) = names(c, layer: k)
            out += [(wih, layer.weightIH.shape, values(layer.weightIH)),
                    (whh, layer.weightHH.shape, values(layer.weightHH)),
                    (bih, layer.bias.shape, values(layer.bias))]
            if let bhh {
                // rnn, lstm: the seed's single bias is PyTorch's bias_ih; bias_hh is zero.
                out.append((bhh, layer.bias.shape, layer.biasHH.map(values) ?? [Float](repeating: 0, count: layer.bias.count)))
            }
        }
        out.append(("head.weight", L.headWeight.shape, values(L.headWeight)))
        out.append(("head.bias", L.headBias.shape, values(L.headBias)))
        return out
    }

    public static func encode(_ model: Model, metadata: [String: String] = [:]) throws -> Data {
        var meta = metadata
        meta["format"] = "pt"
        meta[configKey] = String(decoding: try JSONEncoder.sorted.encode(model.config), as: UTF8.self)
        var header = "{\"__metadata__\":{"
        header += meta.keys.sorted().map { "\(jsonString($0)):\(jsonString(meta[$0]!))" }.joined(separator: ",")
        header += "}"
        var data = Data()
        var offset = 0
        for (name, shape, values) in tensors(of: model) {
            let bytes = values.count * 4
            header += ",\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],"
            header += "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        header += "}"
        while (header.utf8.count + 8) % 8 != 0 { header += " " }   // align the data to 8 bytes
        var file = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(contentsOf: Array(header.utf8))
        file.append(data)
        return file
    }

    public static func save(_ model: Model, to url: URL, metadata: [String: String] = [:]) throws {
        try encode(model, metadata: metadata).write(to: url, options: .atomic)
    }

    /// Loads a model. The configuration comes from the file's metadata, or from
    /// `config` when given (e.g. for a file written by PyTorch).
    public static func decode(_ data: Data, config given: ModelConfig? = nil) throws -> Model {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw SafetensorsError.truncated("no header length") }
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(bytes[i]) << (8 * i) }
        guard headerLength > 0, 8 + headerLength <= bytes.count else { throw SafetensorsError.truncated("header of \(headerLength) bytes") }
        let json = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)]))
        guard let header = json as? [String: Any] else { throw SafetensorsError.badHeader("not a JSON object") }
        let meta = header["__metadata__"] as? [String: String] ?? [:]
        let config: ModelConfig
        if let given { config = given }
        else if let text = meta[configKey] { config = try JSONDecoder().decode(ModelConfig.self, from: Data(text.utf8)) }
        else { throw SafetensorsError.badHeader("no '\(configKey)' metadata and no configuration given") }
        let dataStart = 8 + headerLength

        func read(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let entry = header[name] as? [String: Any] else { throw SafetensorsError.missingTensor(name) }
            let dtype = entry["dtype"] as? String ?? "?"
            guard dtype == "F32" else { throw SafetensorsError.unsupportedDType(name: name, dtype: dtype) }
            let found = (entry["shape"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue }
            guard found == shape else { throw SafetensorsError.shapeMismatch(name: name, expected: shape, found: found) }
            let offsets = (entry["data_offsets"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue }
            let count = shape.reduce(1, *)
            guard offsets.count == 2, offsets[1] - offsets[0] == count * 4, dataStart + offsets[1] <= bytes.count else {
                throw SafetensorsError.badHeader("data_offsets of '\(name)'")
            }
            var out = [Float](repeating: 0, count: count)
            var at = dataStart + offsets[0]
            for i in 0..<count {
                let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                out[i] = Float(bitPattern: bits)
                at += 4
            }
            return out
        }

        let L = ParameterLayout(config)
        var p = [Float](repeating: 0, count: L.totalCount)
        func put(_ slot: TensorSlot, _ values: [Float]) { p.replaceSubrange(slot.range, with: values) }
        for (k, layer) in L.layers.enumerated() {
            let (wih, whh, bih, bhh) = names(config, layer: k)
            put(layer.weightIH, try read(wih, layer.weightIH.shape))
            put(layer.weightHH, try read(whh, layer.weightHH.shape))
            let first = try read(bih, layer.bias.shape)
            switch (bhh, layer.biasHH) {
            case (let name?, let slot?):
                put(layer.bias, first)
                put(slot, try read(name, slot.shape))
            case (let name?, nil):
                // PyTorch has two biases where the seed has one: they add.
                put(layer.bias, zip(first, try read(name, layer.bias.shape)).map { $0 + $1 })
            default:
                put(layer.bias, first)
            }
        }
        put(L.headWeight, try read("head.weight", L.headWeight.shape))
        put(L.headBias, try read("head.bias", L.headBias.shape))
        return Model(config: config, parameters: p)
    }

    public static func load(from url: URL, config: ModelConfig? = nil) throws -> Model {
        try decode(try Data(contentsOf: url), config: config)
    }

    private static func jsonString(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [])
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys: the same value always gives the same bytes.
    public static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
