//! Pictures for guidance cards, made safe before they reach a phone.
//!
//! A lead uploads a poster or a flowchart as PNG, JPEG or SVG (at most [`UPLOAD_BYTES`]). The
//! format is read from the content, never from the file name, and must agree with the type the
//! browser declared (a `.png` that is really an SVG is refused as mislabelled). Phones never
//! get SVG: it is parsed here without a DTD, refused if it has a script, an external reference
//! (any `href` or `url()` not within the file), embedded pictures, text (no fonts are loaded on
//! the server, so text would silently vanish from a flowchart: it must be converted to
//! outlines) or a size past [`SVG_MAX_SIDE`], then rasterised with resvg to a PNG on white.
//! PNG and JPEG are decoded within pixel and memory limits and encoded again, which drops their
//! metadata (EXIF can carry where a photo was taken). The result is at most
//! [`OUTPUT_MAX_SIDE`] pixels a side and shrunk until it fits [`IMAGE_BYTES`], the bound the
//! record schema holds every card's picture to on the server and the device.

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};
use steady_core::guidance::{IMAGE_BYTES, IMAGE_MAX_SIDE, ImageFormat};

/// The largest upload: 160 KiB.
pub const UPLOAD_BYTES: usize = 160 * 1024;
/// The most pixels a side of an uploaded PNG or JPEG.
pub const UPLOAD_MAX_SIDE: u32 = 6000;
/// The largest size an SVG may declare, in its own units, a side.
pub const SVG_MAX_SIDE: f32 = 10_000.0;
/// The most pixels a side of the picture a phone gets.
pub const OUTPUT_MAX_SIDE: u32 = 1200;
/// The smallest a picture is shrunk to while fitting it into [`IMAGE_BYTES`].
const SMALLEST_SIDE: u32 = 240;

const _: () = assert!(OUTPUT_MAX_SIDE <= IMAGE_MAX_SIDE);

/// What an upload is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Png,
    Jpeg,
    Svg,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Png => "PNG",
            Kind::Jpeg => "JPEG",
            Kind::Svg => "SVG",
        }
    }

    fn sniff(bytes: &[u8]) -> Option<Kind> {
        match ImageFormat::sniff(bytes) {
            Some(ImageFormat::Png) => return Some(Kind::Png),
            Some(ImageFormat::Jpeg) => return Some(Kind::Jpeg),
            None => {}
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let text = text.trim_start_matches('\u{feff}').trim_start();
        let looks =
            text.starts_with("<?xml") || text.starts_with("<svg") || text.starts_with("<!--");
        (looks && text.contains("<svg")).then_some(Kind::Svg)
    }

    /// The kind a declared media type names.
    fn declared(media_type: &str) -> Option<Kind> {
        match media_type.trim().to_ascii_lowercase().as_str() {
            "image/png" => Some(Kind::Png),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Kind::Jpeg),
            "image/svg+xml" => Some(Kind::Svg),
            _ => None,
        }
    }
}

/// A picture ready to store on a card.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// PNG or JPEG bytes, at most [`IMAGE_BYTES`].
    pub bytes: Vec<u8>,
}

/// Makes an upload safe for phones, or says exactly why not (the words end up on the page).
/// `declared` is the media type the browser sent with the file.
pub fn prepare(bytes: &[u8], declared: &str) -> Result<Prepared, String> {
    if bytes.len() > UPLOAD_BYTES {
        return Err(format!(
            "The picture is {} KiB; the most is {} KiB.",
            bytes.len().div_ceil(1024),
            UPLOAD_BYTES / 1024
        ));
    }
    let kind =
        Kind::sniff(bytes).ok_or("The file is not a PNG, JPEG or SVG picture (by its content).")?;
    match Kind::declared(declared) {
        Some(said) if said == kind => {}
        Some(said) => {
            return Err(format!(
                "The file is labelled {} but its content is {}: it was refused as mislabelled.",
                said.name(),
                kind.name()
            ));
        }
        None => {
            return Err(format!(
                "The file's type ({}) is not PNG, JPEG or SVG.",
                if declared.is_empty() {
                    "none"
                } else {
                    declared
                }
            ));
        }
    }
    let image = match kind {
        Kind::Svg => rasterise(bytes)?,
        Kind::Png | Kind::Jpeg => decode(bytes, kind)?,
    };
    fit(image, kind == Kind::Jpeg)
}

fn decode(bytes: &[u8], kind: Kind) -> Result<DynamicImage, String> {
    let format = match kind {
        Kind::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::Jpeg,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(UPLOAD_MAX_SIDE);
    limits.max_image_height = Some(UPLOAD_MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            format!("The picture is larger than {UPLOAD_MAX_SIDE} pixels a side: make it smaller.")
        }
        _ => format!(
            "The {} picture could not be read: it is damaged.",
            kind.name()
        ),
    })
}

/// Refuses what an SVG must not have, then draws it on white at up to [`OUTPUT_MAX_SIDE`].
fn rasterise(bytes: &[u8]) -> Result<DynamicImage, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "The SVG is not UTF-8 text.")?;
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..Default::default()
        },
    )
    .map_err(|e| format!("The SVG could not be read ({e})."))?;
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        match name {
            "script" => return Err("The SVG has a script: pictures may not run code.".into()),
            "image" | "foreignObject" | "iframe" | "audio" | "video" => {
                return Err(format!(
                    "The SVG embeds other content (<{name}>): only drawn shapes are allowed."
                ));
            }
            "text" | "tspan" | "textPath" => {
                return Err(
                    "The SVG has text, and the server draws pictures without fonts: \
                            convert the text to outlines (paths) and upload it again."
                        .into(),
                );
            }
            _ => {}
        }
        for attr in node.attributes() {
            let value = attr.value().trim();
            if attr.name() == "href" && !value.starts_with('#') {
                return Err(
                    "The SVG refers to something outside itself (an href): it was refused.".into(),
                );
            }
            if attr.name().starts_with("on") {
                return Err("The SVG has an event handler: pictures may not run code.".into());
            }
            if external_url(value) {
                return Err(
                    "The SVG refers to something outside itself (a url()): it was refused.".into(),
                );
            }
        }
        if name == "style"
            && node
                .text()
                .is_some_and(|t| external_url(t) || t.contains("@import"))
        {
            return Err(
                "The SVG's style refers to something outside itself: it was refused.".into(),
            );
        }
    }
    let options = resvg::usvg::Options {
        resources_dir: None,
        image_href_resolver: resvg::usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_xmltree(&doc, &options)
        .map_err(|e| format!("The SVG could not be drawn ({e})."))?;
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    if !(w >= 1.0 && h >= 1.0 && w <= SVG_MAX_SIDE && h <= SVG_MAX_SIDE) {
        return Err(format!(
            "The SVG says it is {w} x {h}; it must be from 1 to {SVG_MAX_SIDE} a side."
        ));
    }
    let scale = (OUTPUT_MAX_SIDE as f32 / w.max(h)).min(4.0);
    let pw = ((w * scale).round() as u32).clamp(1, OUTPUT_MAX_SIDE);
    let ph = ((h * scale).round() as u32).clamp(1, OUTPUT_MAX_SIDE);
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(pw, ph).ok_or("The SVG could not be drawn (size).")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // Opaque on white, so premultiplied and straight alpha are the same bytes.
    let rgba = image::RgbaImage::from_raw(pw, ph, pixmap.take())
        .ok_or("The SVG could not be drawn (pixels).")?;
    Ok(DynamicImage::ImageRgba8(rgba))
}

/// A `url(...)` that does not point within the document.
fn external_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let inner = rest.trim_start().trim_start_matches(['\'', '"']);
        if !inner.starts_with('#') {
            return true;
        }
    }
    false
}

/// Encodes the picture again (PNG, or JPEG for a photo), shrinking it until it fits.
fn fit(mut image: DynamicImage, photo: bool) -> Result<Prepared, String> {
    if image.width().max(image.height()) > OUTPUT_MAX_SIDE {
        image = image.resize(
            OUTPUT_MAX_SIDE,
            OUTPUT_MAX_SIDE,
            image::imageops::FilterType::Triangle,
        );
    }
    loop {
        let bytes = encode(&image, photo)?;
        if bytes.len() <= IMAGE_BYTES {
            return Ok(Prepared { bytes });
        }
        let side = image.width().max(image.height());
        if side <= SMALLEST_SIDE {
            return Err(format!(
                "The picture has too much detail to fit {} KiB even at {SMALLEST_SIDE} pixels: \
                 simplify it.",
                IMAGE_BYTES / 1024
            ));
        }
        let next = (side * 3 / 4).max(SMALLEST_SIDE);
        image = image.resize(next, next, image::imageops::FilterType::Triangle);
    }
}

fn encode(image: &DynamicImage, photo: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let result = if photo {
        let rgb = image.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80).encode_image(&rgb)
    } else {
        let encoder = image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Best,
            image::codecs::png::FilterType::Adaptive,
        );
        let pixels = if image.color().has_alpha() {
            DynamicImage::ImageRgba8(image.to_rgba8())
        } else {
            DynamicImage::ImageRgb8(image.to_rgb8())
        };
        pixels.write_with_encoder(encoder)
    };
    result.map_err(|_| "The picture could not be encoded.".to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOWCHART: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><defs><marker id="m" markerWidth="6" markerHeight="6" refX="3" refY="3"><path d="M0 0 L6 3 L0 6z"/></marker></defs><rect x="10" y="10" width="120" height="50" fill="#cce" stroke="#000"/><path d="M130 35 H200" stroke="#000" marker-end="url(#m)"/><rect x="200" y="10" width="90" height="50" fill="#ecc" stroke="#000"/></svg>"##;

    #[test]
    fn an_svg_flowchart_becomes_a_png_within_bounds() {
        let p = prepare(FLOWCHART.as_bytes(), "image/svg+xml").unwrap();
        assert_eq!(ImageFormat::sniff(&p.bytes), Some(ImageFormat::Png));
        assert!(p.bytes.len() <= IMAGE_BYTES);
        let facts =
            steady_core::guidance::check_image(&steady_core::guidance::encode_image(&p.bytes))
                .unwrap();
        assert_eq!((facts.width, facts.height), (1200, 800));
    }

    #[test]
    fn a_hostile_svg_is_refused_for_what_it_does() {
        let svg = |inner: &str| {
            format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">{inner}</svg>"#
            )
        };
        let cases = [
            (svg("<script>alert(1)</script>"), "has a script"),
            (svg(r#"<image href="file:///etc/passwd" width="5" height="5"/>"#), "embeds other content"),
            (svg(r#"<use xlink:href="http://evil.example/x.svg#a"/>"#), "an href"),
            (svg(r#"<rect width="5" height="5" fill="url(http://evil.example/p)"/>"#), "a url()"),
            (svg(r#"<style>@import url(http://evil.example/s.css);</style>"#), "style refers"),
            (svg(r#"<rect width="5" height="5" onload="x()"/>"#), "event handler"),
            (svg("<text>Call for help</text>"), "convert the text to outlines"),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"/>"#.into(),
                "must be from 1 to 10000",
            ),
            (
                r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg"/>"#.into(),
                "could not be read",
            ),
        ];
        for (svg, why) in cases {
            let e = prepare(svg.as_bytes(), "image/svg+xml").unwrap_err();
            assert!(e.contains(why), "{svg}: {e}");
        }
    }

    #[test]
    fn a_mislabelled_oversize_or_strange_file_is_refused() {
        let e = prepare(FLOWCHART.as_bytes(), "image/png").unwrap_err();
        assert!(e.contains("labelled PNG but its content is SVG"), "{e}");
        let e = prepare(b"GIF89a....", "image/gif").unwrap_err();
        assert!(e.contains("not a PNG, JPEG or SVG"), "{e}");
        let e = prepare(&vec![b' '; UPLOAD_BYTES + 1], "image/png").unwrap_err();
        assert!(e.contains("the most is 160 KiB"), "{e}");
        let e = prepare(FLOWCHART.as_bytes(), "text/html").unwrap_err();
        assert!(e.contains("(text/html) is not PNG"), "{e}");
    }

    #[test]
    fn a_photo_is_encoded_again_without_its_metadata_and_shrunk_to_fit() {
        // A 1600 x 1000 JPEG (past the output's 1200 a side) with an EXIF segment carrying a
        // location-like string.
        let img = image::RgbImage::from_fn(1600, 1000, |x, y| {
            image::Rgb([(x / 7) as u8, (y / 4) as u8, ((x + y) / 11) as u8])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(&img)
            .unwrap();
        let mut exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        let payload = b"Exif\0\0GPS 51.5072N 0.1276W";
        exif.extend(((payload.len() + 2) as u16).to_be_bytes());
        exif.extend(payload);
        exif.extend(&jpeg[2..]);
        assert!(exif.len() <= UPLOAD_BYTES, "{}", exif.len());
        let p = prepare(&exif, "image/jpeg").unwrap();
        assert_eq!(ImageFormat::sniff(&p.bytes), Some(ImageFormat::Jpeg));
        assert!(p.bytes.len() <= IMAGE_BYTES);
        assert!(!p.bytes.windows(4).any(|w| w == b"Exif" || w == b"GPS "));
        let facts =
            steady_core::guidance::check_image(&steady_core::guidance::encode_image(&p.bytes))
                .unwrap();
        assert!(facts.width <= OUTPUT_MAX_SIDE && facts.height <= OUTPUT_MAX_SIDE);
    }
}
