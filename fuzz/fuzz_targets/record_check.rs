#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| steady_fuzz::record_check(data));
