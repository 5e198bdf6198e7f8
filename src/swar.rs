//! Byte tests eight bytes at a time in a `u64` ("SIMD within a register"), for loops over
//! line bytes that run for every digested line or signature hit: safe code, any CPU.
//!
//! Each function returns the high bit of every byte of the word that passes the test. See
//! "Bit Twiddling Hacks" (Sean Eron Anderson), `hasless` and `hasbetween`.

/// `0x01` in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte: the bits the tests return.
pub(crate) const HIGH: u64 = ONES * 0x80;

/// The high bit of each byte `b` of `y` with `m < b < n`, where every byte of `y` is below
/// 128 and `n <= 128`: no byte borrows or carries into the next.
pub(crate) fn between(y: u64, m: u8, n: u8) -> u64 {
    (ONES * (127 + u64::from(n)) - y) & (y + ONES * (127 - u64::from(m))) & HIGH
}

/// The eight bytes at `b[i..i + 8]`, first byte lowest.
pub(crate) fn word_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// A set of ASCII byte ranges tested eight bytes at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AsciiRanges {
    /// Per range `lo..=hi`: `ONES * (128 + hi)` and `ONES * (128 - lo)` (see [`between`],
    /// with `m = lo - 1` and `n = hi + 1`, which may be -1 and 128).
    bounds: Vec<(u64, u64)>,
}

impl AsciiRanges {
    /// The ranges `lo..=hi` (each within `0..=127`).
    pub(crate) fn new(ranges: &[(u8, u8)]) -> AsciiRanges {
        let bounds = ranges
            .iter()
            .map(|&(lo, hi)| {
                debug_assert!(lo <= hi && hi < 128);
                (ONES * (128 + u64::from(hi)), ONES * (128 - u64::from(lo)))
            })
            .collect();
        AsciiRanges { bounds }
    }

    /// The high bit of each byte of `word` that is ASCII and in one of the ranges.
    pub(crate) fn mask(&self, word: u64) -> u64 {
        let y = word & (ONES * 0x7f);
        let mut inside = 0;
        for &(upper, lower) in &self.bounds {
            inside |= (upper - y) & (y + lower);
        }
        inside & !word & HIGH
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_masks_agree_with_byte_tests() {
        let sets: [&[(u8, u8)]; 4] = [
            &[(0, 8), (14, 31), (33, 127)],
            &[(b'0', b'9'), (b'a', b'f')],
            &[(0, 127)],
            &[(b'x', b'x')],
        ];
        for ranges in sets {
            let set = AsciiRanges::new(ranges);
            for start in (0..=255u8).step_by(3) {
                let bytes: Vec<u8> = (0..8u8).map(|k| start.wrapping_add(k.wrapping_mul(37))).collect();
                let mask = set.mask(word_at(&bytes, 0));
                for (k, &b) in bytes.iter().enumerate() {
                    let want = b < 128 && ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&b));
                    assert_eq!(mask & (0x80 << (8 * k)) != 0, want, "{ranges:?} byte {b}");
                }
            }
        }
    }
}
