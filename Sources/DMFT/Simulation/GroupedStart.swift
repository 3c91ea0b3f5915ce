extension InitialGroups {
    /// Gives the first layer `w` (m rows of length d, drawn iid uniform on the sphere, in neuron
    /// order) the grouped start (`InitialGroups`): a neuron of a group sharing its direction label
    /// with an earlier group takes the first such neuron's drawn direction z; a neuron of a group
    /// with `v_g ≠ 0` becomes `v_g u + √(1 − v_g²) z⊥` with `z⊥` the unit part of z orthogonal to u.
    /// Without labels and with every `v_g = 0` the drawn first layer is left as it is.
    func shapeFirstLayer(_ w: UnsafeMutablePointer<Double>, dimension d: Int, direction u: [Double]?) {
        guard directions != nil || overlap.contains(where: { $0 != 0 }) else { return }
        let drawn = Array(UnsafeBufferPointer(start: w, count: width * d))
        let members = groupOfNeuron
        var firstOfLabel: [Int: Int] = [:]
        for i in members.indices {
            let g = members[i]
            var source = i
            if let directions {
                if let first = firstOfLabel[directions[g]] { source = first } else { firstOfLabel[directions[g]] = i }
            }
            var z = Array(drawn[(source * d)..<((source + 1) * d)])
            let vg = overlap[g]
            if vg != 0, let u {
                let along = zip(z, u).reduce(0) { $0 + $1.0 * $1.1 }
                for c in 0..<d { z[c] -= along * u[c] }
                let norm = z.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let across = (1 - vg * vg).squareRoot()
                for c in 0..<d { z[c] = vg * u[c] + across * z[c] / norm }
            }
            for c in 0..<d { w[i * d + c] = z[c] }
        }
    }
}
