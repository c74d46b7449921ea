import Foundation

/// Minutiae on a thinned ridge map: crossing-number detection, ridge tracing for
/// direction, and removal of false minutiae. Works in 500-dpi working pixels.
struct MinutiaeDetector {
    struct Candidate {
        var x: Float
        var y: Float
        var direction: Float
        var kind: Minutia.Kind
        var quality: UInt8
        var pixel: Int
        var removed = false
    }

    let maps: RidgeMaps
    let options: MinutiaeExtractor.Options
    let w: Int
    let h: Int
    /// Neighbour offsets in circular order (clockwise on screen from +x).
    let ring: [Int]
    let ringDX = [1, 1, 0, -1, -1, -1, 0, 1]
    let ringDY = [0, 1, 1, 1, 0, -1, -1, -1]
    /// Candidate index + 1 at each minutia pixel, 0 elsewhere.
    var owner: [Int32]

    init(maps: RidgeMaps, options: MinutiaeExtractor.Options) {
        self.maps = maps
        self.options = options
        w = maps.width
        h = maps.height
        ring = [1, w + 1, w, w - 1, -1, -w - 1, -w, -w + 1]
        owner = Array(repeating: 0, count: maps.width * maps.height)
    }

    func isRidge(_ p: Int) -> Bool { maps.skeleton[p] != 0 }

    func crossingNumber(_ p: Int) -> Int {
        var transitions = 0
        for i in 0..<8 {
            let a = maps.skeleton[p + ring[i]], b = maps.skeleton[p + ring[(i + 1) & 7]]
            if a != b { transitions += 1 }
        }
        return transitions / 2
    }

    /// Follows the ridge from `start` (whose neighbour `first` begins the path) for up to
    /// `limit` pixels. Returns the last pixel, the length walked, and the candidate met
    /// (if the walk reached another minutia pixel).
    func trace(from start: Int, first: Int, limit: Int) -> (end: Int, length: Int, met: Int?) {
        var path: [Int] = [start, first]
        var previous = start, current = first
        if owner[first] != 0, owner[first] != owner[start] { return (first, 1, Int(owner[first]) - 1) }
        var length = 1
        while length < limit {
            var next = -1
            var fallback = -1
            for i in 0..<8 {
                let q = current + ring[i]
                guard isRidge(q), !path.suffix(6).contains(q) else { continue }
                let qx = q % w, qy = q / w, px = previous % w, py = previous / w
                let adjacentToPrevious = abs(qx - px) <= 1 && abs(qy - py) <= 1
                if adjacentToPrevious { if fallback < 0 { fallback = q } } else if i % 2 == 0 || next < 0 { next = q; if i % 2 == 0 { break } }
            }
            if next < 0 { next = fallback }
            guard next >= 0 else { break }
            let x = next % w, y = next / w
            guard x > 0, y > 0, x < w - 1, y < h - 1 else { break }
            path.append(next)
            previous = current
            current = next
            length += 1
            if owner[next] != 0, owner[next] != owner[start] { return (next, length, Int(owner[next]) - 1) }
        }
        return (current, length, nil)
    }

    /// The first pixel of each ridge leaving `p` (one per run of ridge neighbours).
    func branches(of p: Int) -> [Int] {
        var result: [Int] = []
        for i in 0..<8 where isRidge(p + ring[i]) && !isRidge(p + ring[(i + 7) & 7]) {
            // Start of a run; prefer its 4-connected pixel.
            var pick = p + ring[i]
            var j = i
            while isRidge(p + ring[j & 7]) && j < i + 8 {
                if (j & 7) % 2 == 0 { pick = p + ring[j & 7]; break }
                j += 1
            }
            result.append(pick)
        }
        return result
    }

    func angle(from p: Int, to q: Int) -> Float {
        Float(atan2(Double(q / w - p / w), Double(q % w - p % w)))
    }

    /// The field orientation at `p`, turned to whichever of its two senses is nearer `traced`.
    func refined(_ traced: Float, at p: Int) -> Float {
        let field = maps.orientation[p]
        let a = Self.wrap(field), b = Self.wrap(field + .pi)
        let chosen = Self.angularDistance(a, traced) <= Self.angularDistance(b, traced) ? a : b
        return Self.angularDistance(chosen, traced) < .pi / 4 ? chosen : Self.wrap(traced)
    }

    static func wrap(_ a: Float) -> Float {
        var r = a.truncatingRemainder(dividingBy: 2 * .pi)
        if r < 0 { r += 2 * .pi }
        return r
    }

    static func angularDistance(_ a: Float, _ b: Float) -> Float {
        let d = abs(wrap(a) - wrap(b))
        return min(d, 2 * .pi - d)
    }

    mutating func detect() -> [Candidate] {
        var candidates: [Candidate] = []
        let margin = options.borderMargin
        for y in 2..<(h - 2) {
            for x in 2..<(w - 2) {
                let p = y * w + x
                guard isRidge(p), maps.borderDistance[p] >= margin else { continue }
                let cn = crossingNumber(p)
                guard cn == 1 || cn == 3 else { continue }
                // A bifurcation often thins to two adjacent 3-way pixels: one minutia.
                var merged = false
                for dy in -2...0 {
                    for dx in -2...2 where dy < 0 || dx < 0 {
                        let q = p + dy * w + dx
                        if owner[q] != 0, candidates[Int(owner[q]) - 1].kind == (cn == 1 ? .ridgeEnding : .bifurcation) {
                            owner[p] = owner[q]
                            merged = true
                        }
                    }
                }
                if merged { continue }
                candidates.append(Candidate(x: Float(x), y: Float(y), direction: 0, kind: cn == 1 ? .ridgeEnding : .bifurcation,
                                            quality: 0, pixel: p))
                owner[p] = Int32(candidates.count)
            }
        }
        let reach = 10
        let short = options.shortRidge
        for i in candidates.indices {
            let p = candidates[i].pixel
            let starts = branches(of: p)
            if candidates[i].kind == .ridgeEnding {
                guard let first = starts.first else { candidates[i].removed = true; continue }
                let walk = trace(from: p, first: first, limit: short)
                if let met = walk.met {
                    candidates[i].removed = true  // spur or short ridge
                    candidates[met].removed = true
                    continue
                }
                let far = trace(from: p, first: first, limit: reach).end
                candidates[i].direction = refined(angle(from: far, to: p), at: p)
            } else {
                guard starts.count == 3 else { candidates[i].removed = true; continue }
                var ends: [Float] = []
                var artefact = false
                for s in starts {
                    let walk = trace(from: p, first: s, limit: short)
                    if let met = walk.met, met != i {
                        artefact = true  // bridge, hole or spur
                        candidates[met].removed = true
                    }
                    ends.append(angle(from: p, to: trace(from: p, first: s, limit: reach).end))
                }
                if artefact { candidates[i].removed = true; continue }
                // The two branches closest in angle are the fork; the third is the stem.
                var stem = 0
                var best = Float.infinity
                for a in 0..<3 {
                    let b = (a + 1) % 3, c = (a + 2) % 3
                    let d = Self.angularDistance(ends[b], ends[c])
                    if d < best { best = d; stem = a }
                }
                candidates[i].direction = refined(ends[stem] + .pi, at: p)
            }
        }
        removeBrokenRidges(&candidates)
        for i in candidates.indices where !candidates[i].removed {
            let p = candidates[i].pixel
            let coherence = min(1, maps.coherence[p] / 0.8)
            let border = min(1, maps.borderDistance[p] / (3 * margin))
            candidates[i].quality = UInt8(max(1, min(100, (100 * coherence * (0.5 + 0.5 * border)).rounded())))
        }
        return candidates.filter { !$0.removed }
    }

    /// Facing ridge-ending pairs across a small gap are one broken ridge. (Removing dense
    /// clusters as well was measured to cost accuracy on FVC2002: MCC tolerates them
    /// better than it tolerates missing minutiae.)
    func removeBrokenRidges(_ c: inout [Candidate]) {
        let gap = Float(max(12, maps.ridgePeriod * 1.6))
        var broken: [Int] = []
        for i in c.indices where !c[i].removed {
            for j in (i + 1)..<c.count where !c[j].removed {
                let dx = c[j].x - c[i].x, dy = c[j].y - c[i].y
                let d2 = dx * dx + dy * dy
                guard c[i].kind == .ridgeEnding, c[j].kind == .ridgeEnding, d2 < gap * gap else { continue }
                let link = Float(atan2(Double(dy), Double(dx)))
                if Self.angularDistance(c[i].direction, c[j].direction + .pi) < .pi / 4,
                   Self.angularDistance(c[i].direction, link) < .pi / 3 {
                    broken.append(i); broken.append(j)
                }
            }
        }
        for i in broken { c[i].removed = true }
    }
}
