//! Finish-time regrouping of the miner's templates, where the whole file is known:
//!
//! 1. templates whose token sequences ended up identical are merged;
//! 2. templates of the same length that differ in exactly one position are merged (Drain's
//!    prefix tree keeps `com.apple.A: x y` and `com.apple.B: x y` apart because it routes on
//!    the first tokens; a variable first word is still a variable);
//! 3. a wildcard position whose lines show only a few distinct words (at most
//!    `DigestOptions::max_word_values`, no numbers or ids) is turned back into a constant and
//!    the template is split by it: `state 'Active'` and `state 'Inactive'` are different
//!    events, `Invalid user <*>` with hundreds of names is one.
//!
//! The unit regrouped is the variant: one distinct masked token sequence of a template.

use rustc_hash::{FxHashMap, FxHashSet};

use super::miner::{generalize, TemplateMiner};
use super::token::WILDCARD_ID;

/// The final grouping of variants.
#[derive(Debug)]
pub(crate) struct Regrouped {
    /// Final template id of each variant.
    pub final_of_variant: Vec<u32>,
    /// Token ids of each final template (empty for the overflow template).
    pub tokens: Vec<Vec<u32>>,
    /// Whether each final template is the overflow bucket.
    pub overflow: Vec<bool>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[parent[x as usize] as usize];
        parent[x as usize] = p;
        x = p;
    }
    x
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // Keep the smaller id as root, for determinism.
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi as usize] = lo;
    }
}

fn hash_with_hole(tokens: &[u32], hole: usize) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    tokens.len().hash(&mut h);
    hole.hash(&mut h);
    for (i, t) in tokens.iter().enumerate() {
        if i != hole {
            t.hash(&mut h);
        }
    }
    h.finish()
}

/// Most template pairs compared for a multi-token variable (step 2b).
const MAX_REGION_PAIRS: usize = 4_000_000;
/// Most tokens of a variable that spans several.
const MAX_REGION: usize = 3;

/// The template of `a` and `b` when they differ only in one region that is all wildcards in
/// both, of different lengths (see step 2b of [`regroup`]).
/// `named_a` and `named_b` flag the positions where a line holds a `key=value` token.
fn region_merge(a: &[u32], b: &[u32], named_a: &[bool], named_b: &[bool]) -> Option<Vec<u32>> {
    let ((s, ns), (l, nl)) = if a.len() < b.len() {
        ((a, named_a), (b, named_b))
    } else {
        ((b, named_b), (a, named_a))
    };
    if s.len() == l.len() || s.is_empty() {
        return None;
    }
    // The region keeps at least one token of `s`; a wildcard there may match either side.
    let pre = s
        .iter()
        .zip(l)
        .take_while(|(p, q)| p == q)
        .count()
        .min(s.len() - 1);
    let suf = s[pre..]
        .iter()
        .rev()
        .zip(l.iter().rev())
        .take_while(|(p, q)| p == q)
        .count()
        .min(s.len() - 1 - pre);
    let same = pre + suf;
    let (rs, rl) = (&s[pre..s.len() - suf], &l[pre..l.len() - suf]);
    let wild = |r: &[u32]| r.iter().all(|&t| t == WILDCARD_ID);
    let field = |n: &[bool], r: std::ops::Range<usize>| n.get(r).is_none_or(|f| f.iter().any(|&x| x));
    if rl.len() > MAX_REGION
        || same < 3
        || same * 3 < l.len() * 2
        || !wild(rs)
        || !wild(rl)
        || field(ns, pre..s.len() - suf)
        || field(nl, pre..l.len() - suf)
    {
        return None;
    }
    let mut t = s[..pre].to_vec();
    t.push(WILDCARD_ID);
    t.extend_from_slice(&s[s.len() - suf..]);
    Some(t)
}

/// Fewest combinations two word positions must show, all of them, to read as parameters.
const MIN_FREE_CELLS: usize = 6;

/// Leaves out of `split_at` every pair of word positions whose values combine freely: each
/// value of one is seen with each value of the other, over at least [`MIN_FREE_CELLS`]
/// combinations (`A`/`AAAA` queries of each of three names). Words that name an event's
/// kind constrain each other (`from NEW to UNASSIGNED`, `from UNASSIGNED to ASSIGNED`);
/// two on/off words may name four events (Mac's `onSleep`/`onWake` with `Yes`/`No` are four
/// in its ground truth), but six or more combinations that all occur are parameters.
fn drop_free_pairs(split_at: &mut Vec<usize>, vars: &[u32], m: &TemplateMiner) {
    if split_at.len() < 2 {
        return;
    }
    let tokens = |v: u32| m.variants[v as usize].tokens.as_deref().expect("known");
    let mut free = vec![false; split_at.len()];
    for x in 0..split_at.len() {
        for y in x + 1..split_at.len() {
            let (p, q) = (split_at[x], split_at[y]);
            let mut a: Vec<u32> = vars.iter().map(|&v| tokens(v)[p]).collect();
            let mut b: Vec<u32> = vars.iter().map(|&v| tokens(v)[q]).collect();
            let mut ab: Vec<(u32, u32)> = vars.iter().map(|&v| (tokens(v)[p], tokens(v)[q])).collect();
            for list in [&mut a, &mut b] {
                list.sort_unstable();
                list.dedup();
            }
            ab.sort_unstable();
            ab.dedup();
            if a.len() * b.len() >= MIN_FREE_CELLS && ab.len() == a.len() * b.len() {
                free[x] = true;
                free[y] = true;
            }
        }
    }
    let mut i = 0;
    split_at.retain(|_| {
        i += 1;
        !free[i - 1]
    });
}

/// Regroups the miner's variants into final templates, numbered by first appearance.
pub(crate) fn regroup(m: &mut TemplateMiner) -> Regrouped {
    let opts = m.options().clone();
    let n = m.clusters.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    // 1 and 2: identical, or identical but for one position.
    let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
    for (i, c) in m.clusters.iter().enumerate() {
        if c.overflow {
            continue;
        }
        let len = c.tokens.len();
        let holes = if len >= opts.min_merge_tokens { len } else { 0 };
        // `usize::MAX` as the hole: the whole sequence.
        for hole in (0..holes).chain(std::iter::once(usize::MAX)) {
            let h = hash_with_hole(&c.tokens, hole);
            match seen.get(&h) {
                Some(&j) => {
                    let other = &m.clusters[j as usize].tokens;
                    let same = other.len() == len
                        && other
                            .iter()
                            .zip(&c.tokens)
                            .enumerate()
                            .all(|(k, (a, b))| k == hole || a == b);
                    if same {
                        union(&mut parent, j, i as u32);
                    }
                }
                None => {
                    seen.insert(h, i as u32);
                }
            }
        }
    }
    // Group templates.
    let mut group_tokens: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for (i, c) in m.clusters.iter().enumerate() {
        if c.overflow {
            continue;
        }
        let r = find(&mut parent, i as u32);
        match group_tokens.get_mut(&r) {
            Some(t) => {
                for (a, &b) in t.iter_mut().zip(&c.tokens) {
                    if *a != b {
                        *a = WILDCARD_ID;
                    }
                }
            }
            None => {
                group_tokens.insert(r, c.tokens.clone());
            }
        }
    }
    // The text of each group's wildcard positions: its templates' shapes generalised.
    let mut group_shape: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for i in 0..m.clusters.len() {
        if m.clusters[i].overflow {
            continue;
        }
        let r = find(&mut parent, i as u32);
        let shape = std::mem::take(&mut m.clusters[i].shape);
        match group_shape.get_mut(&r) {
            Some(s) if s.len() == shape.len() => {
                for (a, &b) in s.iter_mut().zip(&shape) {
                    *a = generalize(&mut m.interner, *a, b);
                }
            }
            Some(_) => {}
            None => {
                group_shape.insert(r, shape.clone());
            }
        }
        m.clusters[i].shape = shape;
    }
    let m: &TemplateMiner = m;
    // 2b: a variable that spans several tokens. Two templates of different lengths that
    // agree on a prefix and a suffix (at least 3 tokens and two thirds of the longer one)
    // and differ only in a region that is all wildcards in both, of 1 to
    // `MAX_REGION` tokens, are one event: `sync for <*>` (`endpoint`) and
    // `sync for <*> <*>` (`garbage collector`). An inserted field (`rhost=<*>` against
    // `rhost=<*> user=root`) is not a variable: its region holds a constant.
    let mut region_groups: FxHashSet<u32> = FxHashSet::default();
    {
        let mut roots: Vec<u32> = group_tokens.keys().copied().collect();
        roots.sort_unstable();
        // Positions where some line of the group holds a named field (`user=root`): a
        // field, not a piece of a value that spans tokens.
        let mut named: FxHashMap<u32, Vec<bool>> = FxHashMap::default();
        for v in &m.variants {
            let (Some(t), false) = (&v.tokens, m.clusters[v.cluster as usize].overflow) else {
                continue;
            };
            let r = find(&mut parent, v.cluster);
            let flags = named.entry(r).or_insert_with(|| vec![false; t.len()]);
            for (f, &tok) in flags.iter_mut().zip(t.iter()) {
                *f |= memchr::memchr(b'=', m.interner.text(tok)).is_some();
            }
        }
        let mut merged: Vec<(u32, u32, Vec<u32>)> = Vec::new();
        let mut budget = MAX_REGION_PAIRS;
        'outer: for (x, &ra) in roots.iter().enumerate() {
            for &rb in &roots[x + 1..] {
                if budget == 0 {
                    break 'outer;
                }
                budget -= 1;
                let none = Vec::new();
                let (na, nb) = (named.get(&ra).unwrap_or(&none), named.get(&rb).unwrap_or(&none));
                if let Some(t) = region_merge(&group_tokens[&ra], &group_tokens[&rb], na, nb) {
                    merged.push((ra, rb, t));
                }
            }
        }
        for (ra, rb, t) in merged {
            let (fa, fb) = (find(&mut parent, ra), find(&mut parent, rb));
            if fa == fb {
                continue;
            }
            group_tokens.remove(&fa);
            group_tokens.remove(&fb);
            union(&mut parent, fa, fb);
            let r = find(&mut parent, fa);
            region_groups.insert(r);
            group_tokens.insert(r, t);
        }
    }
    // Variants per group, in id order.
    let mut group_variants: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    let mut overflow_variants = Vec::new();
    for (vi, v) in m.variants.iter().enumerate() {
        let c = &m.clusters[v.cluster as usize];
        if c.overflow {
            overflow_variants.push(vi as u32);
            continue;
        }
        let r = find(&mut parent, v.cluster);
        group_variants.entry(r).or_default().push(vi as u32);
    }
    // 3: split by low-variety word positions. Each (group, key) becomes a final template.
    struct Final {
        first_line: u64,
        first_variant: u32,
        tokens: Vec<u32>,
        overflow: bool,
        variants: Vec<u32>,
    }
    let mut finals: Vec<Final> = Vec::new();
    let mut roots: Vec<u32> = group_variants.keys().copied().collect();
    roots.sort_unstable();
    for r in roots {
        let tmpl = &group_tokens[&r];
        let vars = &group_variants[&r];
        // Variants of a template whose variable spans several tokens have other lengths:
        // their positions do not line up, so they are not split.
        let all_known = vars.iter().all(|&v| {
            m.variants[v as usize]
                .tokens
                .as_ref()
                .is_some_and(|t| t.len() == tmpl.len())
        }) && !region_groups.contains(&r);
        let mut split_at: Vec<usize> = Vec::new();
        if all_known && opts.max_word_values >= 2 {
            for (p, &t) in tmpl.iter().enumerate() {
                if t != WILDCARD_ID {
                    continue;
                }
                let mut values: Vec<u32> = Vec::new();
                let mut ok = true;
                for &v in vars {
                    let tok = m.variants[v as usize].tokens.as_ref().expect("known")[p];
                    if tok == WILDCARD_ID || m.interner.is_ident(tok) {
                        ok = false;
                        break;
                    }
                    if !values.contains(&tok) {
                        values.push(tok);
                        if values.len() > opts.max_word_values {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok && values.len() >= 2 {
                    split_at.push(p);
                }
            }
            drop_free_pairs(&mut split_at, vars, m);
        }
        let mut by_key: Vec<(Vec<u32>, usize)> = Vec::new();
        for &v in vars {
            let key: Vec<u32> = match &m.variants[v as usize].tokens {
                Some(t) => split_at.iter().map(|&p| t[p]).collect(),
                None => Vec::new(),
            };
            let var = &m.variants[v as usize];
            match by_key.iter().find(|(k, _)| *k == key) {
                Some(&(_, f)) => {
                    let fin = &mut finals[f];
                    fin.variants.push(v);
                    if (var.first_line, v) < (fin.first_line, fin.first_variant) {
                        fin.first_line = var.first_line;
                        fin.first_variant = v;
                    }
                }
                None => {
                    let mut tokens = tmpl.clone();
                    if let Some(shape) = group_shape.get(&r).filter(|s| s.len() == tokens.len()) {
                        for (t, &s) in tokens.iter_mut().zip(shape) {
                            if *t == WILDCARD_ID {
                                *t = s;
                            }
                        }
                    }
                    for (&p, &t) in split_at.iter().zip(&key) {
                        tokens[p] = t;
                    }
                    by_key.push((key, finals.len()));
                    finals.push(Final {
                        first_line: var.first_line,
                        first_variant: v,
                        tokens,
                        overflow: false,
                        variants: vec![v],
                    });
                }
            }
        }
    }
    if let Some(&first) = overflow_variants.first() {
        finals.push(Final {
            first_line: overflow_variants
                .iter()
                .map(|&v| m.variants[v as usize].first_line)
                .min()
                .unwrap_or(0),
            first_variant: first,
            tokens: Vec::new(),
            overflow: true,
            variants: overflow_variants,
        });
    }
    finals.sort_by_key(|f| (f.first_line, f.first_variant));
    let mut final_of_variant = vec![0u32; m.variants.len()];
    for (id, f) in finals.iter().enumerate() {
        for &v in &f.variants {
            final_of_variant[v as usize] = id as u32;
        }
    }
    Regrouped {
        final_of_variant,
        overflow: finals.iter().map(|f| f.overflow).collect(),
        tokens: finals.into_iter().map(|f| f.tokens).collect(),
    }
}
