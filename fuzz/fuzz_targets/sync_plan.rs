#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| steady_fuzz::sync_plan(data));
