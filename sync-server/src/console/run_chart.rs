//! Run charts: whether a monthly series (restraints, prone holds, seclusions per 1,000 occupied
//! bed days) is really changing, or only varying as it always does.
//!
//! A lead looking at monthly bars sees every month's rise or fall as news. A run chart draws
//! the series against its median and marks only the patterns that chance rarely makes: the run
//! chart rules of the Institute for Healthcare Improvement (Provost and Murray, *The Health Care
//! Data Guide*, 2011; Perla, Provost and Murray, "The run chart: a simple analytical tool for
//! learning from variation in healthcare processes", *BMJ Quality & Safety* 2011;20:46–51),
//! which NHS England's *Making Data Count* teaches for run charts:
//!
//! - **shift**: six or more consecutive points all above, or all below, the median. A point on
//!   the median neither counts towards a shift nor breaks it.
//! - **trend**: five or more consecutive points all going up, or all going down. When
//!   consecutive points are equal, only the first counts (a repeat neither adds nor breaks).
//!
//! The rules for too many or too few runs (which need the published table of critical values)
//! and for an astronomical point (a judgement) are not applied here; the chart says so.

/// A pattern the rules mark, over the points `from..=to` (indices into the series).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Six or more points above the median.
    ShiftUp {
        /// First point of the run.
        from: usize,
        /// Last point of the run.
        to: usize,
    },
    /// Six or more points below the median.
    ShiftDown {
        /// First point of the run.
        from: usize,
        /// Last point of the run.
        to: usize,
    },
    /// Five or more points each higher than the last.
    TrendUp {
        /// First point of the trend.
        from: usize,
        /// Last point of the trend.
        to: usize,
    },
    /// Five or more points each lower than the last.
    TrendDown {
        /// First point of the trend.
        from: usize,
        /// Last point of the trend.
        to: usize,
    },
}

/// Points in a row on one side of the median that make a shift.
pub const SHIFT_POINTS: usize = 6;
/// Points in a row going one way that make a trend.
pub const TREND_POINTS: usize = 5;

/// The median of `values` (the mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// The shifts and trends in `values` against `centre` (usually [`median`] of a baseline or of
/// the whole series), in the order they start.
pub fn signals(values: &[f64], centre: f64) -> Vec<Signal> {
    let mut found = shifts(values, centre);
    found.extend(trends(values));
    found.sort_by_key(|s| match *s {
        Signal::ShiftUp { from, .. }
        | Signal::ShiftDown { from, .. }
        | Signal::TrendUp { from, .. }
        | Signal::TrendDown { from, .. } => from,
    });
    found
}

fn shifts(values: &[f64], centre: f64) -> Vec<Signal> {
    let mut found = Vec::new();
    // The current run: its side, its first and last point, and how many points count.
    let mut run: Option<(bool, usize, usize, usize)> = None;
    let close = |run: Option<(bool, usize, usize, usize)>, found: &mut Vec<Signal>| {
        if let Some((above, from, to, counted)) = run
            && counted >= SHIFT_POINTS
        {
            found.push(if above {
                Signal::ShiftUp { from, to }
            } else {
                Signal::ShiftDown { from, to }
            });
        }
    };
    for (i, &v) in values.iter().enumerate() {
        if v == centre || !v.is_finite() {
            continue; // on the median: neither counts nor breaks
        }
        let above = v > centre;
        run = match run {
            Some((side, from, _, counted)) if side == above => Some((side, from, i, counted + 1)),
            other => {
                close(other, &mut found);
                Some((above, i, i, 1))
            }
        };
    }
    close(run, &mut found);
    found
}

fn trends(values: &[f64]) -> Vec<Signal> {
    let mut found = Vec::new();
    // The current trend: its direction, first and last point, and the points that count.
    let mut trend: Option<(bool, usize, usize, usize)> = None;
    let close = |trend: Option<(bool, usize, usize, usize)>, found: &mut Vec<Signal>| {
        if let Some((up, from, to, counted)) = trend
            && counted >= TREND_POINTS
        {
            found.push(if up {
                Signal::TrendUp { from, to }
            } else {
                Signal::TrendDown { from, to }
            });
        }
    };
    let mut last: Option<(usize, f64)> = None;
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            continue;
        }
        let Some((prev_i, prev)) = last else {
            last = Some((i, v));
            continue;
        };
        if v == prev {
            continue; // a repeat: only the first of equal points counts
        }
        let up = v > prev;
        trend = match trend {
            Some((dir, from, _, counted)) if dir == up => Some((dir, from, i, counted + 1)),
            other => {
                close(other, &mut found);
                // The new direction starts at the point before: two points make a step.
                Some((up, prev_i, i, 2))
            }
        };
        last = Some((i, v));
    }
    close(trend, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_odd_and_even_series() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn six_points_below_the_median_are_a_shift_and_five_are_not() {
        // Twelve months of restraints per 1,000 bed days: a fall after month 6.
        let series = [
            9.0, 11.0, 10.0, 12.0, 9.0, 11.0, 7.0, 6.0, 7.0, 5.0, 6.0, 6.0,
        ];
        let centre = median(&series).unwrap();
        assert_eq!(centre, 8.0);
        assert_eq!(
            shifts(&series, centre),
            vec![
                Signal::ShiftUp { from: 0, to: 5 },
                Signal::ShiftDown { from: 6, to: 11 }
            ]
        );
        let five = [9.0, 9.0, 9.0, 9.0, 9.0, 1.0];
        assert!(shifts(&five, 5.0).is_empty());
    }

    #[test]
    fn a_point_on_the_median_neither_counts_towards_a_shift_nor_breaks_it() {
        let centre = 10.0;
        // Five below, one on the median, one more below: six that count, seven points long.
        let series = [8.0, 7.0, 9.0, 8.0, 6.0, 10.0, 9.0];
        assert_eq!(
            shifts(&series, centre),
            vec![Signal::ShiftDown { from: 0, to: 6 }]
        );
        // Five below with one on the median: still only five that count.
        assert!(shifts(&[8.0, 7.0, 10.0, 9.0, 8.0, 6.0], centre).is_empty());
    }

    #[test]
    fn five_points_going_one_way_are_a_trend_and_a_repeat_neither_adds_nor_breaks() {
        assert_eq!(
            trends(&[1.0, 2.0, 3.0, 4.0, 5.0]),
            vec![Signal::TrendUp { from: 0, to: 4 }]
        );
        assert!(trends(&[1.0, 2.0, 3.0, 4.0, 3.0]).is_empty(), "four rising");
        // 5, 4, 4, 3, 2: the repeated 4 counts once, so only four points fall.
        assert!(trends(&[5.0, 4.0, 4.0, 3.0, 2.0]).is_empty());
        // 6, 5, 5, 4, 3, 2: five that count, across the repeat.
        assert_eq!(
            trends(&[6.0, 5.0, 5.0, 4.0, 3.0, 2.0]),
            vec![Signal::TrendDown { from: 0, to: 5 }]
        );
    }

    #[test]
    fn ordinary_variation_signals_nothing() {
        let series = [
            7.0, 9.0, 8.0, 10.0, 7.0, 9.0, 8.0, 10.0, 7.0, 9.0, 8.0, 10.0,
        ];
        let centre = median(&series).unwrap();
        assert!(signals(&series, centre).is_empty());
    }

    #[test]
    fn signals_come_in_the_order_they_start() {
        // Rising for five months, then six months below a baseline median of 10.
        let series = [6.0, 7.0, 8.0, 9.0, 11.0, 12.0, 4.0, 5.0, 4.0, 5.0, 4.0, 5.0];
        let found = signals(&series, 10.0);
        assert_eq!(found[0], Signal::TrendUp { from: 0, to: 5 });
        assert!(found.contains(&Signal::ShiftDown { from: 6, to: 11 }));
    }
}
