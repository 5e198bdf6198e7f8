//! Keyword queries: the query's terms (whole identifiers and their parts) against id, title,
//! body and related text with per-field weights (BM25), a bonus when the words occur as a
//! phrase, filters on kind and tag, and a snippet with the matching words marked.

use std::ops::Range;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{TantivyDocument, Term};

use super::index::SearchIndex;
use super::tokenizer;
use super::ItemKind;

/// Field weights: an id or title match counts most, a rule's runbook text least.
const ID_BOOST: f32 = 3.0;
const TITLE_BOOST: f32 = 2.5;
const BODY_BOOST: f32 = 1.0;
const RELATED_BOOST: f32 = 0.6;
const PHRASE_BOOST: f32 = 2.0;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 160;

/// One result.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SearchHit {
    /// What it is.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Severity of a rule.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub level: String,
    /// Status of a rule or runbook.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Relevance (BM25, summed over fields).
    pub score: f32,
    /// A passage of the body around the matching words.
    pub snippet: String,
    /// Byte ranges of the matching words in `snippet`.
    pub highlights: Vec<Range<usize>>,
}

/// What to search.
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchRequest {
    /// The keywords.
    pub text: String,
    /// Only this kind.
    pub kind: Option<ItemKind>,
    /// Only items with this tag.
    pub tag: Option<String>,
    /// At most this many hits.
    pub limit: usize,
}

/// Runs `req` against `ix`, best first (ties by kind and id, so the order is stable).
pub(crate) fn search(ix: &SearchIndex, req: &SearchRequest) -> tantivy::Result<Vec<SearchHit>> {
    let f = ix.fields;
    let field_term = |term: &str| -> Box<dyn Query> {
        let per_field: Vec<(Occur, Box<dyn Query>)> = [
            (f.id, ID_BOOST),
            (f.title, TITLE_BOOST),
            (f.body, BODY_BOOST),
            (f.related, RELATED_BOOST),
        ]
        .into_iter()
        .map(|(field, boost)| {
            let q = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(q), boost)) as Box<dyn Query>,
            )
        })
        .collect();
        Box::new(BooleanQuery::new(per_field))
    };
    // One group per query word: the word (an identifier as written and by its parts).
    let groups: Vec<Box<dyn Query>> = tokenizer::word_terms(&req.text)
        .iter()
        .map(|terms| {
            let any: Vec<(Occur, Box<dyn Query>)> =
                terms.iter().map(|t| (Occur::Should, field_term(t))).collect();
            Box::new(BooleanQuery::new(any)) as Box<dyn Query>
        })
        .collect();
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut should: Vec<(Occur, Box<dyn Query>)> =
        groups.iter().map(|g| (Occur::Should, g.box_clone())).collect();
    if groups.len() > 1 {
        // An item with every word scores about twice one with some of them.
        let every: Vec<(Occur, Box<dyn Query>)> =
            groups.iter().map(|g| (Occur::Must, g.box_clone())).collect();
        should.push((Occur::Should, Box::new(BooleanQuery::new(every))));
    }
    let words = tokenizer::phrase_words(&req.text);
    if words.len() > 1 {
        for field in [f.title, f.body, f.related] {
            let terms = words.iter().map(|w| Term::from_field_text(field, w)).collect();
            should.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(PhraseQuery::new(terms)), PHRASE_BOOST)),
            ));
        }
    }
    let keywords: Box<dyn Query> = Box::new(BooleanQuery::new(should));
    let mut all: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, keywords.box_clone())];
    if let Some(kind) = req.kind {
        let name = serde_json::to_value(kind).expect("kind serialises");
        let term = Term::from_field_text(f.kind, name.as_str().unwrap_or_default());
        all.push((
            Occur::Must,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        ));
    }
    if let Some(tag) = &req.tag {
        let term = Term::from_field_text(f.tags, tag);
        all.push((
            Occur::Must,
            Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
        ));
    }
    let query = BooleanQuery::new(all);
    let reader = ix.index.reader()?;
    let searcher = reader.searcher();
    let top = searcher.search(&query, &TopDocs::with_limit(req.limit.max(1) * 4))?;
    let mut snippets = SnippetGenerator::create(&searcher, &*keywords, f.body)?;
    snippets.set_max_num_chars(SNIPPET_CHARS);
    let mut hits = Vec::new();
    for (score, address) in top {
        let d: TantivyDocument = searcher.doc(address)?;
        let text = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let snippet = snippets.snippet_from_doc(&d);
        hits.push(SearchHit {
            kind: text(f.kind),
            id: text(f.id),
            title: text(f.title),
            level: text(f.level),
            status: text(f.status),
            tags: d
                .get_all(f.tags)
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            score,
            snippet: snippet.fragment().to_owned(),
            highlights: snippet.highlighted().to_vec(),
        });
    }
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.id.cmp(&b.id))
    });
    hits.truncate(req.limit);
    Ok(hits)
}
