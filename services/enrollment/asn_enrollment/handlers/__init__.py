"""Use cases of the enrollment service: one small async function per command or event, each
taking a unit of work first (asn_platform.uow), and the read-side queries the API needs.

Commands: roster (create_asn, update_asn, deactivate_asn, import_roster), catalogue
(create_programme, update_programme), sessions (open_session, update_session,
reschedule_session, cancel_session), enrollments (invite, register, change_status), and the
event apply_programme_scheduled. Queries: queries (reads), ledger (JP per person and unit).
"""
