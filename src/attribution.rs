//! Which objects of a ResourceSet's inventory belong to which pull request. Generated objects
//! carry only the ResourceSet's owner labels, so each entry is attributed to at most one PR by,
//! in order: the `event.toolkit.fluxcd.io/change_request` annotation, then name tokens.
use std::collections::BTreeMap;

use serde::Serialize;

use crate::flux::CHANGE_REQUEST_ANNOTATION;
use crate::inventory::ObjectRef;

/// The rule that attributed an object to its environment (shown by `get`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "rule")]
pub enum Rule {
    /// `event.toolkit.fluxcd.io/change_request` equals the PR id.
    Annotation,
    /// The name contains the PR id (or its branch slug) as whole `-`/`.` separated tokens and
    /// no other PR of the ResourceSet matches.
    NameToken { token: String },
    /// Listed in the inventory of an attributed Kustomization or HelmRelease.
    Inventory { parent: String },
}

impl Rule {
    pub fn describe(&self) -> String {
        match self {
            Rule::Annotation => format!("annotation {CHANGE_REQUEST_ANNOTATION}"),
            Rule::NameToken { token } => format!("name token {token:?}"),
            Rule::Inventory { parent } => format!("inventory of {parent}"),
        }
    }
}

/// What attribution needs to know of one PR.
#[derive(Debug, Clone)]
pub struct PrKey {
    pub id: String,
    /// Branch slug (`feat/Bulk_export` → `feat-bulk-export`) or GitLab's exported `slug`.
    pub slugs: Vec<String>,
}

pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn tokens(name: &str) -> Vec<&str> {
    name.split(['-', '.']).filter(|t| !t.is_empty()).collect()
}

fn contains_run(haystack: &[&str], needle: &[&str]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Attributes each entry to at most one PR (by index into `prs`). `annotations` returns the
/// annotations of an object when it is in the snapshot.
pub fn attribute<'a>(
    entries: &[ObjectRef],
    prs: &[PrKey],
    annotations: impl Fn(&ObjectRef) -> Option<&'a BTreeMap<String, String>>,
) -> Vec<Option<(usize, Rule)>> {
    entries
        .iter()
        .map(|entry| {
            let by_annotation: Vec<usize> = annotations(entry)
                .and_then(|a| a.get(CHANGE_REQUEST_ANNOTATION))
                .map(|value| {
                    let value = value.trim();
                    (0..prs.len()).filter(|&i| prs[i].id == value).collect()
                })
                .unwrap_or_default();
            if by_annotation.len() == 1 {
                return Some((by_annotation[0], Rule::Annotation));
            }
            // Two providers may export the same id: the name then has to tell them apart.
            let candidates: Vec<usize> = if by_annotation.is_empty() {
                (0..prs.len()).collect()
            } else {
                by_annotation
            };
            by_name(&entry.name, prs, &candidates)
        })
        .collect()
}

fn by_name(name: &str, prs: &[PrKey], candidates: &[usize]) -> Option<(usize, Rule)> {
    let toks = tokens(name);
    let by_id: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| toks.contains(&prs[i].id.as_str()))
        .collect();
    let slug_match = |i: usize| {
        prs[i]
            .slugs
            .iter()
            .find(|s| contains_run(&toks, &tokens(s)))
            .cloned()
    };
    match by_id.len() {
        1 => Some((
            by_id[0],
            Rule::NameToken {
                token: prs[by_id[0]].id.clone(),
            },
        )),
        0 => {
            let by_slug: Vec<(usize, String)> = candidates
                .iter()
                .filter_map(|&i| slug_match(i).map(|s| (i, s)))
                .collect();
            match by_slug.as_slice() {
                [(i, s)] => Some((*i, Rule::NameToken { token: s.clone() })),
                _ => None,
            }
        }
        _ => {
            let narrowed: Vec<(usize, String)> = by_id
                .iter()
                .filter_map(|&i| slug_match(i).map(|s| (i, s)))
                .collect();
            match narrowed.as_slice() {
                [(i, s)] => Some((*i, Rule::NameToken { token: s.clone() })),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(id: &str, branch: &str) -> PrKey {
        PrKey {
            id: id.into(),
            slugs: vec![slugify(branch)],
        }
    }

    fn entry(name: &str) -> ObjectRef {
        ObjectRef::new("kustomize.toolkit.fluxcd.io", "Kustomization", "ns", name)
    }

    fn run(
        names: &[&str],
        prs: &[PrKey],
        annotated: &[(&str, &str)],
    ) -> Vec<Option<(usize, Rule)>> {
        let annotations: BTreeMap<String, BTreeMap<String, String>> = annotated
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    BTreeMap::from([(CHANGE_REQUEST_ANNOTATION.to_string(), v.to_string())]),
                )
            })
            .collect();
        let entries: Vec<ObjectRef> = names.iter().map(|n| entry(n)).collect();
        attribute(&entries, prs, |r| annotations.get(&r.name))
    }

    #[test]
    fn whole_tokens_only() {
        let prs = [pr("12", "fix/a"), pr("123", "fix/b")];
        let got = run(
            &[
                "api-pr-123",
                "api-pr-12",
                "api-12.preview",
                "api-1234",
                "shared-config",
            ],
            &prs,
            &[],
        );
        assert_eq!(
            got[0].as_ref().map(|x| x.0),
            Some(1),
            "12 must never claim api-pr-123"
        );
        assert_eq!(got[1].as_ref().map(|x| x.0), Some(0));
        assert_eq!(
            got[2].as_ref().map(|x| x.0),
            Some(0),
            "dots split tokens too"
        );
        assert_eq!(got[3], None, "1234 is nobody's");
        assert_eq!(got[4], None, "shared objects belong to the ResourceSet");
    }

    #[test]
    fn annotation_wins_over_names() {
        let prs = [pr("7", "a"), pr("8", "b")];
        let got = run(&["app-7"], &prs, &[("app-7", "8")]);
        assert_eq!(got[0], Some((1, Rule::Annotation)));
        // An annotation naming no exported PR falls back to the name.
        let got = run(&["app-7"], &prs, &[("app-7", "99")]);
        assert_eq!(got[0], Some((0, Rule::NameToken { token: "7".into() })));
    }

    #[test]
    fn ambiguous_names_stay_unattributed() {
        let prs = [pr("1", "x"), pr("2", "y")];
        assert_eq!(run(&["env-1-2"], &prs, &[])[0], None);
    }

    #[test]
    fn branch_slug_matches_when_the_id_is_not_in_the_name() {
        let prs = [pr("41", "feat/Bulk_Export"), pr("42", "fix/login")];
        let got = run(&["preview-feat-bulk-export", "preview-login"], &prs, &[]);
        assert_eq!(
            got[0],
            Some((
                0,
                Rule::NameToken {
                    token: "feat-bulk-export".into()
                }
            ))
        );
        assert_eq!(got[1], None, "a partial slug is not a match");
    }

    #[test]
    fn same_id_from_two_providers_is_told_apart_by_slug() {
        let prs = [pr("4", "web/feature"), pr("4", "api/feature")];
        let got = run(
            &["web-feature-4", "api-feature-4", "other-4"],
            &prs,
            &[("web-feature-4", "4")],
        );
        assert_eq!(got[0].as_ref().map(|x| x.0), Some(0));
        assert_eq!(got[1].as_ref().map(|x| x.0), Some(1));
        assert_eq!(got[2], None);
    }

    #[test]
    fn slugify_is_dns_like() {
        assert_eq!(slugify("feat/Bulk_Export"), "feat-bulk-export");
        assert_eq!(slugify("--x--y--"), "x-y");
    }
}
