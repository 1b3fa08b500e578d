//! Guidance cards: short organisation-authored guidance, synced to devices read-only.
//!
//! A unit's leads write, edit and retire cards in the web console; the server writes them as its
//! own operations (devices may not: the kind has no device writer), so every phone of the unit
//! pulls them and reads them offline from its encrypted store. A card may carry one picture (a
//! poster, a flowchart) with its alt text. The picture travels as one field value, so it is
//! bounded to fit the protocol's value limit ([`IMAGE_BYTES`] decoded, base64 in the JSON
//! string): the server rasterises SVG to PNG and re-encodes PNG and JPEG before it writes one,
//! and both sides check the bytes by their content ([`check_image`]) through the record schema.
//! A card may be featured; [`Store::card_of_the_day`] picks one a day by the UK date.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde_json::Value;

use crate::clock::Timestamp;
use crate::error::Result;
use crate::protocol::{EntityKind, MAX_VALUE_BYTES};
use crate::replica;
use crate::store::Store;
use crate::uk_time;
use crate::units::active_grant;

/// The most bytes of a card's picture, decoded: 47 KiB, so that its base64 (4 characters for
/// every 3 bytes) with the JSON string's quotes fits one field value ([`MAX_VALUE_BYTES`]).
pub const IMAGE_BYTES: usize = 47 * 1024;
/// The most pixels a side of a card's picture: a phone screen's width at full density.
pub const IMAGE_MAX_SIDE: u32 = 2048;
/// The longest alt text of a card's picture.
pub const IMAGE_ALT_CHARS: usize = 500;

const _: () = assert!(IMAGE_BYTES.div_ceil(3) * 4 + 2 <= MAX_VALUE_BYTES);

/// A picture's format, read from its first bytes (never from a file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
}

impl ImageFormat {
    /// Its media type: `image/png`, `image/jpeg`.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
        }
    }

    /// The format of `bytes` by their signature, or `None` for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageFormat::Jpeg)
        } else {
            None
        }
    }
}

/// What [`check_image`] found in a stored picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    /// The decoded bytes.
    pub bytes: Vec<u8>,
    /// Their format.
    pub format: ImageFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Checks a card's picture as stored (base64 of a PNG or JPEG): at most [`IMAGE_BYTES`]
/// decoded, a PNG or JPEG by its content, with a header that gives 1 to [`IMAGE_MAX_SIDE`]
/// pixels a side. The record schema's rule for the `image` field, so the server refuses what
/// the device would not show; the device reads a picture through it too.
pub fn check_image(data: &str) -> std::result::Result<ImageFacts, String> {
    if data.len() > IMAGE_BYTES.div_ceil(3) * 4 {
        return Err(format!("a picture of at most {IMAGE_BYTES} bytes"));
    }
    let bytes = STANDARD
        .decode(data)
        .map_err(|_| "a picture in base64".to_string())?;
    if bytes.len() > IMAGE_BYTES {
        return Err(format!("a picture of at most {IMAGE_BYTES} bytes"));
    }
    let format = ImageFormat::sniff(&bytes).ok_or("a PNG or JPEG picture")?;
    let (width, height) = match format {
        ImageFormat::Png => png_size(&bytes),
        ImageFormat::Jpeg => jpeg_size(&bytes),
    }
    .ok_or("a picture whose header gives its size")?;
    if width == 0 || height == 0 || width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE {
        return Err(format!(
            "a picture of at most {IMAGE_MAX_SIDE} pixels a side (this one is {width} x {height})"
        ));
    }
    Ok(ImageFacts {
        bytes,
        format,
        width,
        height,
    })
}

/// Base64 of a picture's bytes, as the `image` field holds it.
pub fn encode_image(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// A PNG's size from its first chunk, which must be IHDR.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
        return None;
    }
    Some((be32(&bytes[16..20]), be32(&bytes[20..24])))
}

/// A JPEG's size from its first start-of-frame segment.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        let marker = *bytes.get(at + 1)?;
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]) as usize;
        // SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let h = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            let w = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
            return Some((w as u32, h as u32));
        }
        if len < 2 {
            return None;
        }
        at += 2 + len;
    }
}

/// A card's picture, as the phone shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GuidanceImage {
    /// The PNG or JPEG bytes (decode with BitmapFactory or `UIImage(data:)`).
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`, from the bytes themselves.
    pub media_type: String,
    /// What the picture shows, for a screen reader (its content description).
    pub alt: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// A guidance card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GuidanceCard {
    /// The card's id.
    pub id: String,
    /// Its unit.
    pub unit_id: String,
    /// Title.
    pub title: String,
    /// Body text.
    pub body: String,
    /// Tags to find it by.
    pub tags: Vec<String>,
    /// Its picture (a poster, a flowchart), if it has one that reads as a picture.
    pub image: Option<GuidanceImage>,
    /// Whether the unit's leads put it in the card-of-the-day rotation.
    pub featured: bool,
}

/// The card of the day among `cards` (as [`Store::guidance_cards`] lists them) on `date`: the
/// featured cards take turns, one a day in order of id; with none featured, every card does.
/// Every phone of the unit shows the same card on the same UK date.
pub fn card_of_the_day_among(cards: &[GuidanceCard], date: NaiveDate) -> Option<GuidanceCard> {
    let mut pool: Vec<&GuidanceCard> = cards.iter().filter(|c| c.featured).collect();
    if pool.is_empty() {
        pool = cards.iter().collect();
    }
    if pool.is_empty() {
        return None;
    }
    pool.sort_by(|a, b| a.id.cmp(&b.id));
    let days = date
        .signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1)?)
        .num_days();
    let at = days.rem_euclid(pool.len() as i64) as usize;
    Some(pool[at].clone())
}

impl Store {
    /// The guidance cards of a unit, by title (retired cards left out). A picture that does not
    /// check ([`check_image`]) is left off its card rather than failing the list.
    pub fn guidance_cards(&self, unit_id: &str) -> Result<Vec<GuidanceCard>> {
        let now = self.now();
        self.read(|tx| {
            active_grant(tx, unit_id, now)?;
            let ids: Vec<String> = tx
                .prepare_cached(
                    "SELECT entity_id FROM entities WHERE unit_id = ?1 AND entity = 'guidance'",
                )?
                .query_map([unit_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let mut cards = Vec::new();
            for id in ids {
                let Some(r) = replica::load(tx, EntityKind::Guidance, &id)? else {
                    continue;
                };
                if r.deleted() {
                    continue;
                }
                let tags = match r.fields.get("tags") {
                    Some(Value::Array(tags)) => tags
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                let image = match r.fields.get("image") {
                    Some(Value::String(data)) => check_image(data).ok().map(|f| GuidanceImage {
                        media_type: f.format.media_type().to_string(),
                        bytes: f.bytes,
                        alt: r.text("image_alt"),
                        width: f.width,
                        height: f.height,
                    }),
                    _ => None,
                };
                cards.push(GuidanceCard {
                    title: r.text("title"),
                    body: r.text("body"),
                    tags,
                    image,
                    featured: r.flag("featured").unwrap_or(false),
                    unit_id: r.unit_id,
                    id,
                });
            }
            cards.sort_by(|a, b| a.title.cmp(&b.title));
            Ok(cards)
        })
    }

    /// The unit's card of the day on today's date in the UK (Europe/London, so it changes at
    /// midnight on the ward's clock, not at UTC midnight): one of the featured cards, in turn,
    /// or of all cards when none is featured; `None` when the unit has none.
    pub fn card_of_the_day(&self, unit_id: &str) -> Result<Option<GuidanceCard>> {
        let cards = self.guidance_cards(unit_id)?;
        Ok(card_of_the_day_on(&cards, self.now()))
    }
}

/// [`card_of_the_day_among`] on the UK date of `now`.
pub fn card_of_the_day_on(cards: &[GuidanceCard], now: Timestamp) -> Option<GuidanceCard> {
    card_of_the_day_among(cards, uk_time::local(now).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: &str, featured: bool) -> GuidanceCard {
        GuidanceCard {
            id: id.into(),
            unit_id: "u".into(),
            title: id.into(),
            body: "b".into(),
            tags: vec![],
            image: None,
            featured,
        }
    }

    /// A 3 x 2 PNG header (enough for the size check).
    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn the_card_of_the_day_turns_among_featured_cards_by_the_uk_date() {
        let cards = vec![card("c", true), card("a", false), card("b", true)];
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let first = card_of_the_day_among(&cards, d(2026, 3, 1)).unwrap();
        let second = card_of_the_day_among(&cards, d(2026, 3, 2)).unwrap();
        assert!(first.featured && second.featured && first.id != second.id);
        assert_eq!(card_of_the_day_among(&cards, d(2026, 3, 3)).unwrap(), first);
        // None featured: every card takes a turn.
        let plain = vec![card("x", false), card("y", false)];
        let got: Vec<String> = (1..=2)
            .map(|n| card_of_the_day_among(&plain, d(2026, 3, n)).unwrap().id)
            .collect();
        assert_ne!(got[0], got[1]);
        assert_eq!(card_of_the_day_among(&[], d(2026, 3, 1)), None);
        // 23:30 UTC on 1 July is 00:30 on 2 July in London: the card of 2 July.
        let late = Timestamp(
            chrono::NaiveDate::from_ymd_opt(2026, 7, 1)
                .unwrap()
                .and_hms_opt(23, 30, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis(),
        );
        assert_eq!(
            card_of_the_day_on(&cards, late),
            card_of_the_day_among(&cards, d(2026, 7, 2))
        );
    }

    #[test]
    fn a_picture_is_checked_by_its_content_size_and_bytes() {
        let ok = check_image(&encode_image(&png(3, 2))).unwrap();
        assert_eq!((ok.format, ok.width, ok.height), (ImageFormat::Png, 3, 2));
        let gif = encode_image(b"GIF89a\x01\0\x01\0");
        assert_eq!(check_image(&gif).unwrap_err(), "a PNG or JPEG picture");
        assert!(
            check_image(&encode_image(&png(4000, 10)))
                .unwrap_err()
                .contains("at most 2048 pixels a side")
        );
        assert!(
            check_image(&encode_image(&png(0, 10)))
                .unwrap_err()
                .contains("pixels a side")
        );
        let mut big = png(10, 10);
        big.resize(IMAGE_BYTES + 1, 0);
        assert!(
            check_image(&encode_image(&big))
                .unwrap_err()
                .contains("at most 48128 bytes")
        );
        assert_eq!(
            check_image("not base64!").unwrap_err(),
            "a picture in base64"
        );
        // A JPEG's size comes from its frame header, past the segments before it.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 20, 0, 30, 1, 1, 0x11, 0,
        ];
        let j = check_image(&encode_image(&jpeg)).unwrap();
        assert_eq!((j.format, j.width, j.height), (ImageFormat::Jpeg, 30, 20));
        assert!(check_image(&encode_image(&jpeg[..8])).is_err());
    }
}
