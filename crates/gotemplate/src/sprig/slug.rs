//! The Flux Operator's `slugify`: `github.com/gosimple/slug`'s `Make` with `MaxLength = 63`
//! and smart truncation.
//!
//! Non-ASCII characters are transliterated with the `deunicode` crate, which like gosimple's
//! `unidecode` derives from Text::Unidecode's tables, and characters beyond U+FFFF are dropped as
//! unidecode drops them. Measured against gosimple/slug v1.15.0 on `x<c>x` for every character
//! from U+0080 to U+2FFFF (the ignored test `measure_slug_divergences` redoes it), 15,432 of
//! 194,432 slugs differ: none in Latin-1 and Latin Extended-A/B, only archaic letters in Greek
//! and Cyrillic, 355 of the 20,992 CJK ideographs, none beyond U+FFFF, and the rest among
//! symbols, unassigned code points and rarely written scripts.
use super::strings::go_lower;

/// gosimple/slug's `MaxLength` as the Flux Operator sets it.
pub const MAX_LENGTH: usize = 63;

/// `slug.Make(s)` for language "en".
pub fn slugify(s: &str) -> String {
    let trimmed = s.trim_matches(char::is_whitespace);
    let mut sub = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        match c {
            '&' => sub.push_str("and"),
            '@' => sub.push_str("at"),
            _ => sub.push(c),
        }
    }
    let mut ascii = String::with_capacity(sub.len());
    for c in sub.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else if c == '\u{404}' {
            // The one letter of a living alphabet where the tables disagree (Ukrainian Ye).
            ascii.push_str("Ie");
        } else if (c as u32) < 0x10000
            && let Some(t) = deunicode::deunicode_char(c)
        {
            ascii.push_str(t);
        }
    }
    let lower: String = ascii.chars().map(go_lower).collect();
    // Characters outside [a-zA-Z0-9-_] become dashes, runs of dashes one dash.
    let mut slug = String::with_capacity(lower.len());
    for c in lower.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '-'
        };
        if c == '-' && slug.ends_with('-') {
            continue;
        }
        slug.push(c);
    }
    let slug = slug.trim_matches(|c| c == '-' || c == '_');
    smart_truncate(slug)
}

fn smart_truncate(text: &str) -> String {
    if text.len() <= MAX_LENGTH {
        return text.to_string();
    }
    let b = text.as_bytes();
    for i in (0..=MAX_LENGTH).rev() {
        if b.get(i) == Some(&b'-') {
            return text[..i].to_string();
        }
    }
    text.get(..MAX_LENGTH).unwrap_or(text).to_string()
}
