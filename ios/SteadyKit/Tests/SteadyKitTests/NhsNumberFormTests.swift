// The person's NHS number in the details sheet: shown in groups as people read it, sent only
// when changed, cleared when emptied. The core checks the check digit (core/src/nhs_number.rs);
// its refusal lands under PersonField.nhsNumber.

import Foundation
import SteadyCore
import XCTest
@testable import SteadyKit

final class NhsNumberFormTests: XCTestCase {
    private let person = Person(
        id: "p1", unitId: "ward", displayName: "Robin Shah", preferredName: nil,
        localIdentifier: "WW410137", nhsNumber: "9434765919", safetyAlerts: []
    )

    func test_the_number_is_shown_in_groups_and_unchanged_is_not_sent() {
        let form = PersonDetailsForm(person)
        XCTAssertEqual(form.nhsNumber, "943 476 5919")
        XCTAssertNil(form.change(from: person))
    }

    func test_a_new_number_is_sent_alone_and_an_emptied_one_clears_it() throws {
        var form = PersonDetailsForm(person)
        form.nhsNumber = " 999 000 0018 "
        let change = try XCTUnwrap(form.change(from: person))
        XCTAssertEqual(change.nhsNumber, "999 000 0018")
        XCTAssertNil(change.displayName)
        XCTAssertNil(change.localIdentifier)
        form.nhsNumber = ""
        XCTAssertEqual(try XCTUnwrap(form.change(from: person)).nhsNumber, "")
    }

    func test_the_error_lands_by_the_nhs_number_field() {
        XCTAssertEqual(PersonField.nhsNumber, Field.nhsNumber)
        let problem = UserProblem(SteadyError.Validation(
            field: .nhsNumber, path: "nhs_number", rule: "an NHS number is 10 digits"
        ))
        XCTAssertEqual(problem.field, .nhsNumber)
    }
}
