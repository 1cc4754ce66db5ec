//! TEMPORARY STUB (never committed): the interface agreed with the classifier's author.
#![allow(missing_docs, dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Keep,
    Hold,
    Delete,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Obscene,
    Insult,
    Spam,
}
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Reason {
    pub rule: String,
    pub category: Category,
    #[serde(rename = "match")]
    pub matched: String,
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
    #[serde(skip)]
    pub verdict: Verdict,
}
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
}
pub struct Classifier;
impl Classifier {
    pub fn builtin() -> Classifier {
        Classifier
    }
    pub fn load(
        _repo: &crate::plan::repo::Repo,
    ) -> (Classifier, Vec<crate::plan::diagnostic::Diagnostic>) {
        (Classifier, Vec::new())
    }
    pub fn classify(&self, text: &str) -> Judgement {
        let bad = ["spamword", "хуй"];
        for b in bad {
            if let Some(i) = text.find(b) {
                return Judgement {
                    verdict: Verdict::Delete,
                    reasons: vec![Reason {
                        rule: "stub".into(),
                        category: Category::Obscene,
                        matched: b.into(),
                        span: i..i + b.len(),
                        verdict: Verdict::Delete,
                    }],
                };
            }
        }
        if let Some(i) = text.find("дурак") {
            return Judgement {
                verdict: Verdict::Hold,
                reasons: vec![Reason {
                    rule: "stub-insult".into(),
                    category: Category::Insult,
                    matched: "дурак".into(),
                    span: i..i + 10,
                    verdict: Verdict::Hold,
                }],
            };
        }
        Judgement {
            verdict: Verdict::Keep,
            reasons: vec![],
        }
    }
    pub fn classify_seen(&self, comment: &Seen<'_>, _recent: &mut Recent) -> Judgement {
        self.classify(comment.text)
    }
}
pub struct Seen<'a> {
    pub text: &'a str,
    pub author: &'a str,
    pub page: &'a str,
    pub at: jiff::Timestamp,
}
pub struct Recent;
impl Recent {
    pub fn new() -> Recent {
        Recent
    }
}
