// Enrol: the sync server's address and the enrolment code from a lead — typed, scanned from the
// lead's QR code, or opened from a `steady://enrol` link — and the staff member's name and job
// title, stamped on what they record. Problems show next to the field they concern, whether the
// form's own check or the core's answer found them.

import SteadyKit
import SwiftUI

struct EnrolView: View {
    @Environment(Router.self) private var router
    @State private var model: EnrolModel
    @State private var scanning = false

    init(session: AppSession) {
        _model = State(initialValue: EnrolModel(session: session))
    }

    var body: some View {
        @Bindable var model = model
        Form {
            Section {
                Button {
                    scanning = true
                } label: {
                    Label("Scan your lead's QR code", systemImage: "qrcode.viewfinder")
                        .frame(maxWidth: .infinity, minHeight: 44, alignment: .leading)
                }
                if model.scanRejected {
                    Text("That QR code is not a Steady enrolment code.")
                        .foregroundStyle(Color.steadyAlert)
                }
            } footer: {
                Text("Or type the address and code your lead gave you.")
            }

            Section("Sync server") {
                field("Server address", text: $model.form.server, field: EnrolmentField.server,
                      content: .URL, keyboard: .URL)
                field("Enrolment code", text: $model.form.code, field: EnrolmentField.code,
                      content: .oneTimeCode, keyboard: .asciiCapable)
            }

            Section {
                field("Your name", text: $model.form.staffName, field: EnrolmentField.name,
                      content: .name, keyboard: .default)
                field("Job title", text: $model.form.jobTitle, field: EnrolmentField.jobTitle,
                      content: .jobTitle, keyboard: .default)
            } header: {
                Text("You")
            } footer: {
                Text("Shown on the incidents and changes you record.")
            }

            Section {
                Button {
                    Task {
                        // Enrolled: ask for the prone-hold notification now, before any shift.
                        if await model.enrol() {
                            await AppEnvironment.shared.alerts.askForNotificationsIfDue(at: .enrolled, entries: [])
                        }
                    }
                } label: {
                    HStack {
                        Text("Enrol this phone").font(.headline)
                        Spacer()
                        if model.busy { ProgressView() }
                    }
                    .frame(minHeight: 44)
                }
                .disabled(model.busy)
            } footer: {
                if let problem = model.problem {
                    Text(problem.message).foregroundStyle(.red)
                }
            }
        }
        .navigationTitle("Enrol")
        .sheet(isPresented: $scanning) {
            QRScannerSheet { text in
                scanning = false
                model.scanned(text)
            }
        }
        .onAppear(perform: takePendingLink)
        .onChange(of: router.pendingEnrolLink) { _, _ in takePendingLink() }
    }

    private func takePendingLink() {
        guard let link = router.pendingEnrolLink else { return }
        router.pendingEnrolLink = nil
        model.scanned(link)
    }

    @ViewBuilder
    private func field(
        _ title: String, text: Binding<String>, field: Field,
        content: UITextContentType, keyboard: UIKeyboardType
    ) -> some View {
        VStack(alignment: .leading, spacing: 4) {
            TextField(title, text: text)
                .textContentType(content)
                .keyboardType(keyboard)
                .textInputAutocapitalization(keyboard == .default ? TextInputAutocapitalization.words : TextInputAutocapitalization.never)
                .autocorrectionDisabled()
                .frame(minHeight: 44)
            if let message = model.fieldErrors[field] {
                Text(message)
                    .font(.footnote)
                    .foregroundStyle(Color.steadyAlert)
            }
        }
        .accessibilityElement(children: .contain)
    }
}
