// Biomatch: one import for an integrator.
//
// `import Biomatch` brings the engine (enroll, verify, identify, revoke), its configuration
// and decisions, face and finger templates and images, liveness results, framing (objects,
// keys, payment contexts), the store's location and keys, FMR targets, and the errors each
// of them throws. The part modules (BiomatchEngine, BiomatchFace, …) stay available for
// those who want one part only.

@_exported import BiomatchEngine
@_exported import BiomatchEvaluation
@_exported import BiomatchFace
@_exported import BiomatchFingerprint
@_exported import BiomatchFraming
@_exported import BiomatchLiveness
@_exported import BiomatchStore
// The Foundation and Crypto types the engine's calls take (a models folder, image bytes,
// capture times, terminal keys).
@_exported import struct Crypto.SymmetricKey
@_exported import struct Foundation.Data
@_exported import struct Foundation.Date
@_exported import struct Foundation.URL
