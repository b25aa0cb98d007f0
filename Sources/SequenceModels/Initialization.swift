// Deterministic initialisation of a model's parameters from its seed.
//
// Scheme (PyTorch's nn.RNN/nn.GRU/nn.LSTM/nn.Linear defaults, for every layer and bias):
// every weight and bias is drawn uniform in [-k, k] with k = 1/sqrt(H), in the order of
// the flat buffer, from Xoshiro256(seed). Each LSTM layer's forget-gate bias block is then
// set to `forgetBias` (default 1.0, Jozefowicz et al. 2015). Draws are made in Double and
// rounded to Float, so the same seed gives the same bits anywhere.

public enum Initialization {
    public static func parameters(for config: ModelConfig) -> [Float] {
        let layout = ParameterLayout(config)
        var rng = Xoshiro256(seed: config.seed)
        let k = 1.0 / Double(config.hiddenSize).squareRoot()
        var params = [Float](repeating: 0, count: layout.totalCount)
        for i in 0..<params.count {
            params[i] = Float(rng.uniform(-k, k))
        }
        if config.cell == .lstm {
            let h = config.hiddenSize
            for layer in layout.layers {
                let forgetBlock = layer.bias.offset + h  // gate block 1 = forget
                for i in forgetBlock..<(forgetBlock + h) { params[i] = config.forgetBias }
            }
        }
        return params
    }
}
