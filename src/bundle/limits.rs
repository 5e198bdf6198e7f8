//! Limits on what opening a bundle may cost: bytes written when extracting, the compression
//! ratio of one member, members per archive, archives inside archives, files per bundle, the
//! longest line matched whole (applied by the scan). Each
//! limit hit is reported in the bundle's skipped list (the document's appendix) with the flag
//! that raises it; the rest of the bundle is still read.

/// Limits applied while a bundle is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// Bytes all archives of the bundle may extract to disk together (`--max-extract-bytes`).
    pub extract_bytes: u64,
    /// How many times larger than its compressed size one member may grow (`--max-ratio`).
    pub ratio: u64,
    /// Members read from one archive (`--max-members`).
    pub members: u64,
    /// Archives inside archives opened, counting the bundle itself (`--max-nesting`).
    pub nesting: usize,
    /// Files listed in one bundle (`--max-files`).
    pub files: usize,
    /// Bytes of one line matched whole, newline included (`--max-line-bytes`): the scan
    /// matches a longer line on its first this many bytes and the document lists it.
    pub line_bytes: usize,
}

/// Below this many bytes a member's ratio is not checked: small members of zeros compress
/// thousands of times without costing anything.
pub(crate) const RATIO_FLOOR: u64 = 1 << 20;

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            extract_bytes: 4 << 30,
            ratio: 200,
            members: 100_000,
            nesting: 3,
            files: 50_000,
            // The scan's default read window (`scan::READ_WINDOW`, not named here: scan reads bundle).
            line_bytes: 2 << 20,
        }
    }
}
