// The enrolment link a lead's QR code carries (written by steady-server's `enrolment_link`) and
// the enrolment form's own checks. Pure Swift: no core needed.

import XCTest
@testable import SteadyKit

final class EnrolmentLinkTests: XCTestCase {
    func test_bank_staff_scan_the_link_the_server_prints() {
        let link = EnrolmentLink.parse("steady://enrol?server=https://sync.example.org:8443&code=K7Q2MX-ABCDEFGHJKMNPQRSTVWX")
        XCTAssertEqual(link, EnrolmentLink(server: "https://sync.example.org:8443", code: "K7Q2MX-ABCDEFGHJKMNPQRSTVWX"))
    }

    func test_escaped_parts_are_decoded() {
        // The server escapes what would break the link (here `?`, `=` and `&` in the address).
        let link = EnrolmentLink.parse("steady://enrol?server=http://h/%3Fa%3D1%26b%3D2&code=X")
        XCTAssertEqual(link?.server, "http://h/?a=1&b=2")
        XCTAssertEqual(link?.code, "X")
    }

    func test_surrounding_spaces_and_case_of_scheme_are_forgiven() {
        let link = EnrolmentLink.parse("  STEADY://Enrol?server=https://s.example&code=AB-CD \n")
        XCTAssertEqual(link, EnrolmentLink(server: "https://s.example", code: "AB-CD"))
    }

    func test_anything_else_is_not_an_enrolment_link() {
        for text in [
            "",
            "https://sync.example.org/?server=https://x&code=Y",
            "steady://other?server=https://x&code=Y",
            "steady://enrol?server=https://x",
            "steady://enrol?code=Y",
            "steady://enrol?server=&code=Y",
            "steady://enrol?server=https://x&code=Y&code=Z",
            "steady://enrol/extra?server=https://x&code=Y",
            "K7Q2MX-ABCDEFGHJKMNPQRSTVWX",
        ] {
            XCTAssertNil(EnrolmentLink.parse(text), text)
        }
    }

    func test_scanning_fills_address_and_code_and_keeps_the_rest() {
        var form = EnrolmentForm(staffName: "Alex Morgan", jobTitle: "Support worker")
        XCTAssertTrue(form.apply(scanned: "steady://enrol?server=https://s.example&code=AB-CD"))
        XCTAssertEqual(form.server, "https://s.example")
        XCTAssertEqual(form.code, "AB-CD")
        XCTAssertEqual(form.staffName, "Alex Morgan")
        XCTAssertTrue(form.isReady)
    }

    func test_a_qr_code_of_something_else_changes_nothing() {
        var form = EnrolmentForm(server: "https://typed.example", code: "TYPED")
        XCTAssertFalse(form.apply(scanned: "https://example.org/menu"))
        XCTAssertEqual(form.server, "https://typed.example")
        XCTAssertEqual(form.code, "TYPED")
    }

    func test_empty_fields_are_named_with_the_cores_field_names() {
        let form = EnrolmentForm(server: "  ", code: "", staffName: "Alex", jobTitle: "")
        XCTAssertEqual(Set(form.problems.keys), ["server_url", "code", "job_title"])
        XCTAssertFalse(form.isReady)
    }
}
