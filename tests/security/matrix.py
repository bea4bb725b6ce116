"""The permission matrix: every URL pattern of the project × the roles of tests/security/world.py → the status
of a GET. tests/security/test_permission_matrix.py walks the URL resolver and fails on a pattern without a row
here (a new endpoint must be given its row) and on a row whose pattern is gone.

Columns: the URL name (namespace:name), the object of tests/security/world.py that fills its arguments
("-": none), then the expected status for each role, in this order:

  anon   not signed in (web pages redirect to the login page: 302; the API answers 401 with the
         `WWW-Authenticate: Token` challenge, since the API key authentication comes first)
  unitA  cán bộ TĐKT of Quận Ninh Kiều, which owns the dossier, nominee, document, unit plan and initiative
  unitB  cán bộ TĐKT of Sở Y tế: another unit's objects answer 404, never 403
  board  chuyên viên Ban TĐKT (city-wide)
  in     a member of the emulation council who sits on the session
  out    a member of the innovation council only: not on the session (404), but on the round's council
  aud    kiểm tra viên: reads everything (writes: see test_auditors_write_nothing)
  expM   a unit officer of Quận Ninh Kiều whose membership ended yesterday: as if they had no role
  expD   a delegate of the unit officer whose delegation ended yesterday: as if they had no role
  rev    the reviewer assigned to score the demo initiative

405 = the pattern takes no GET (a form's POST target or an API action); its writes are checked elsewhere.
"""

from __future__ import annotations

ROLES = (
    "anonymous",
    "unit_a",
    "unit_b",
    "board",
    "member_in",
    "member_out",
    "auditor",
    "expired_membership",
    "expired_delegation",
    "reviewer",
)

TABLE = """
# -- API: units, memberships, plan
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
unit-list                                -                    401  200  200  200  200  200  200  200  200  200
unit-detail                              unit                 401  200  200  200  200  200  200  200  200  200
membership-list                          -                    401  200  200  200  200  200  200  200  200  200
membership-detail                        membership           401  200  404  200  404  404  200  404  404  404
membership-end                           membership           401  405  405  405  405  405  405  405  405  405
membership-approve                       membership           401  405  405  405  405  405  405  405  405  405
membership-reject                        membership           401  405  405  405  405  405  405  405  405  405
audit-check-list                         -                    401  403  403  403  403  403  200  403  403  403
audit-check-detail                       audit_check_run      401  403  403  403  403  403  200  403  403  403
audit-checkpoint-list                    -                    401  403  403  403  403  403  200  403  403  403
plan-list                                -                    401  200  200  200  200  200  200  200  200  200
plan-detail                              plan                 401  200  200  200  200  200  200  200  200  200
activity-list                            -                    401  200  200  200  200  200  200  200  200  200
activity-detail                          activity             401  200  200  200  200  200  200  200  200  200
activity-history                         activity             401  403  403  200  403  403  200  403  403  403
activity-perform-transition              activity_transition  401  405  405  405  405  405  405  405  405  405
activity-transitions                     activity             401  200  200  200  200  200  200  200  200  200
# -- API: dossiers, lines, nominees, awards
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
dossier-list                             -                    401  200  200  200  200  200  200  200  200  200
dossier-detail                           dossier              401  200  404  200  404  404  200  404  404  404
dossier-history                          dossier              401  200  404  200  404  404  200  404  404  404
dossier-perform-transition               dossier_transition   401  405  405  405  405  405  405  405  405  405
dossier-transitions                      dossier              401  200  404  200  404  404  200  404  404  404
dossier-upload                           dossier              401  405  405  405  405  405  405  405  405  405
dossier-document                         dossier_document     401  200  404  200  404  404  200  404  404  404
dossier-assign                           dossier              401  405  405  405  405  405  405  405  405  405
dossier-public-notice                    dossier              401  403  404  200  404  404  200  404  404  404
dossier-public-comment-answer            dossier_comment      401  405  405  405  405  405  405  405  405  405
dossier-consultations                    dossier              401  403  404  200  404  404  200  404  404  404
dossier-consultation-answer              dossier_consultation 401  405  405  405  405  405  405  405  405  405
dossier-consultation-no-answer           dossier_consultation 401  405  405  405  405  405  405  405  405  405
dossier-consultation-override            dossier_consultation 401  405  405  405  405  405  405  405  405  405
dossier-consultation-waivers             dossier              401  405  405  405  405  405  405  405  405  405
# the world's dossier is not forwarded: no package yet (404 for those who may read one)
dossier-forwarding-package               dossier              401  403  404  404  404  404  404  404  404  404
dossier-line-list                        -                    401  200  200  200  200  200  200  200  200  200
dossier-line-detail                      line                 401  200  404  200  404  404  200  404  404  404
dossier-line-history                     line                 401  200  404  200  404  404  200  404  404  404
dossier-line-perform-transition          line_transition      401  405  405  405  405  405  405  405  405  405
dossier-line-transitions                 line                 401  200  404  200  404  404  200  404  404  404
nominee-list                             -                    401  200  200  200  200  200  200  200  200  200
nominee-detail                           nominee              401  200  404  200  404  404  200  404  404  404
nominee-history                          nominee              401  200  404  200  404  404  200  404  404  404
nominee-history-import                   nominee              401  405  405  405  405  405  405  405  405  405
nominee-history-review                   history_review_api   401  405  405  405  405  405  405  405  405  405
nominee-holds                            nominee              401  200  404  200  404  404  200  404  404  404
nominee-hold-lift                        hold_lift_api        401  405  405  405  405  405  405  405  405  405
nominee-transfer                         nominee              401  405  405  405  405  405  405  405  405  405
award-list                               -                    401  200  200  200  200  200  200  200  200  200
award-detail                             award                401  200  200  200  200  200  200  200  200  200
rule-version-list                        -                    401  200  200  200  200  200  200  200  200  200
rule-version-detail                      rule_version         401  200  200  200  200  200  200  200  200  200
# a unit's own year-end round: the world's is unit A's draft (no lines, no session, no decision yet)
unit-round-list                          -                    401  200  200  200  200  200  200  200  200  200
unit-round-detail                        unit_round           401  200  404  200  404  404  200  404  404  404
unit-round-lines                         unit_round           401  200  404  200  404  404  200  404  404  404
unit-round-history                       unit_round           401  200  404  200  404  404  200  404  404  404
unit-round-transitions                   unit_round           401  200  404  200  404  404  200  404  404  404
unit-round-import-rows                   unit_round           401  405  405  405  405  405  405  405  405  405
unit-round-perform-transition            unit_round_transition 401  405  405  405  405  405  405  405  405  405
award-eligibility                        eligibility          401  200  404  200  404  404  200  404  404  404
# -- API: councils, sessions, agenda items
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
council-list                             -                    401  200  200  200  200  200  200  200  200  200
council-detail                           council              401  200  200  200  200  200  200  200  200  200
session-list                             -                    401  200  200  200  200  200  200  200  200  200
session-detail                           session              401  404  404  200  200  404  200  404  404  404
session-agenda                           session              401  404  404  200  200  404  200  404  404  404
session-attendance                       session              401  404  404  200  200  404  200  404  404  404
session-ballot-sheet                     session              401  405  405  405  405  405  405  405  405  405
session-ballots                          session              401  404  404  200  200  404  200  404  404  404
session-close                            session              401  405  405  405  405  405  405  405  405  405
session-written-votes                    voted_session        401  404  404  200  403  404  200  404  404  404
session-written-vote-entered             written_vote         401  404  404  200  403  404  403  404  404  404
session-written-vote-confirm             written_vote         401  405  405  405  405  405  405  405  405  405
session-written-vote-reject              written_vote         401  405  405  405  405  405  405  405  405  405
session-experts                          session              401  404  404  200  200  404  200  404  404  404
session-expert-remove                    session_expert       401  405  405  405  405  405  405  405  405  405
session-history                          session              401  404  404  200  403  404  200  404  404  404
session-perform-transition               session_transition   401  405  405  405  405  405  405  405  405  405
session-transitions                      session              401  404  404  200  200  404  200  404  404  404
agenda-item-list                         -                    401  200  200  200  200  200  200  200  200  200
agenda-item-detail                       item                 401  404  404  200  200  404  200  404  404  404
agenda-item-history                      item                 401  404  404  200  403  404  200  404  404  404
agenda-item-perform-transition           item_transition      401  405  405  405  405  405  405  405  405  405
agenda-item-recusal                      item                 401  405  405  405  405  405  405  405  405  405
agenda-item-transitions                  item                 401  404  404  200  200  404  200  404  404  404
# -- API: innovation (innovation/ is owned by another engineer: a failure here is reported, not fixed)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
innovation-round-list                    -                    401  200  200  200  200  200  200  200  200  200
innovation-round-detail                  round                401  200  200  200  200  200  200  200  200  200
innovation-round-assign-balanced         round                401  405  405  405  405  405  405  405  405  405
innovation-round-history                 round                401  403  403  200  403  403  200  403  403  403
innovation-round-import-initiatives      round                401  405  405  405  405  405  405  405  405  405
innovation-round-perform-transition      round_transition     401  405  405  405  405  405  405  405  405  405
innovation-round-ranking                 round                401  403  403  200  403  200  200  403  403  200
innovation-round-results-xlsx            round                401  403  403  200  403  200  200  403  403  200
innovation-round-reviewers               round                401  405  405  405  405  405  405  405  405  405
innovation-round-send-to-council         round                401  405  405  405  405  405  405  405  405  405
innovation-round-transitions             round                401  200  200  200  200  200  200  200  200  200
initiative-list                          -                    401  200  200  200  200  200  200  200  200  200
initiative-detail                        initiative           401  200  404  200  404  404  200  404  404  200
initiative-authors                       initiative           401  405  405  405  405  405  405  405  405  405
initiative-certificate                   certificate_api      401  404  404  404  404  404  404  404  404  404
initiative-central-recognition           initiative           401  405  405  405  405  405  405  405  405  405
initiative-evidence                      initiative           401  200  404  200  404  404  200  404  404  200
initiative-history                       initiative           401  403  404  200  404  404  200  404  404  403
initiative-perform-transition            initiative_transition 401  405  405  405  405  405  405  405  405  405
initiative-reviewers                     initiative           401  403  404  200  404  404  403  404  404  403
initiative-transitions                   initiative           401  200  404  200  404  404  200  404  404  200
review-list                              -                    401  200  200  200  200  200  200  200  200  200
review-assignments                       -                    401  200  200  200  200  200  200  200  200  200
review-detail                            review               401  404  404  200  404  404  200  404  404  200
# -- API: root, token; sign-in, language, schema
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
api-root                                 -                    401  200  200  200  200  200  200  200  200  200
api_token                                -                    405  405  405  405  405  405  405  405  405  405
api_logout                               -                    401  405  405  405  405  405  405  405  405  405
api_logout_all                           -                    401  405  405  405  405  405  405  405  405  405
login                                    -                    200  200  200  200  200  200  200  200  200  200
logout                                   -                    405  405  405  405  405  405  405  405  405  405
set_language                             -                    302  302  302  302  302  302  302  302  302  302
schema                                   -                    401  200  200  200  200  200  200  200  200  200
swagger                                  -                    302  200  200  200  200  200  200  200  200  200
# -- Web: dossiers (/ho-so/)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
dossiers:list                            -                    302  200  200  200  200  200  200  200  200  200
dossiers:create                          -                    302  200  200  403  403  403  403  403  403  403
dossiers:detail                          dossier              302  200  404  200  404  404  200  404  404  404
dossiers:return                          dossier              302  200  404  200  404  404  200  404  404  404
dossiers:appraise                        dossier              302  403  404  200  404  404  403  404  404  404
dossiers:decide                          dossier              302  200  404  200  404  404  200  404  404  404
dossiers:changes                         dossier              302  403  404  200  404  404  200  404  404  404
dossiers:awardees_excel                  posted_dossier       302  200  404  200  404  404  200  404  404  404
# the world's posted dossier holds state-level awards only: it has a tờ trình (proposal_pdf), no decision
dossiers:decision_pdf                    posted_dossier       302  404  404  404  404  404  404  404  404  404
dossiers:proposal_pdf                    posted_dossier       302  200  404  200  404  404  200  404  404  404
dossiers:public_notice                   dossier              302  403  404  200  404  404  200  404  404  404
dossiers:consultation                    dossier              302  403  404  200  404  404  200  404  404  404
dossiers:forwarding_package              dossier              302  403  404  404  404  404  404  404  404  404
dossiers:line_edit                       line                 302  200  404  200  404  404  200  404  404  404
dossiers:line_remove                     line                 302  405  405  405  405  405  405  405  405  405
dossiers:nominee                         nominee              302  200  404  200  404  404  200  404  404  404
dossiers:nominee_declare                 nominee_declare      302  405  405  405  405  405  405  405  405  405
dossiers:history_template                nominee              302  200  404  200  404  404  200  404  404  404
dossiers:history_import                  nominee              302  405  405  405  405  405  405  405  405  405
dossiers:history_review                  history_review       302  405  405  405  405  405  405  405  405  405
dossiers:nominee_hold_add                nominee              302  405  405  405  405  405  405  405  405  405
dossiers:hold_lift                       hold_lift            302  405  405  405  405  405  405  405  405  405
dossiers:nominee_transfer                nominee              302  405  405  405  405  405  405  405  405  405
dossiers:document                        document             302  200  404  200  404  404  200  404  404  404
dossiers:overdue                         -                    302  403  403  200  403  403  200  403  403  403
dossiers:public                          -                    200  200  200  200  200  200  200  200  200  200
dossiers:register                        -                    302  200  200  200  200  200  200  200  200  200
dossiers:register_excel                  -                    302  200  200  200  200  200  200  200  200  200
dossiers:unit_rounds                     -                    302  200  200  200  200  200  200  200  200  200
dossiers:unit_round                      unit_round           302  200  404  200  404  404  200  404  404  404
dossiers:unit_round_template             unit_round           302  200  404  200  404  404  200  404  404  404
# a draft round has no decision yet (404 for those who may read one)
dossiers:unit_round_decision_pdf         unit_round           302  404  404  404  404  404  404  404  404  404
dossiers:rules                           -                    302  200  200  200  200  200  200  200  200  200
dossiers:rule_version                    rule_version         302  200  200  200  200  200  200  200  200  200
dossiers:rule_version_copy               rule_version         302  405  405  405  405  405  405  405  405  405
dossiers:rule_award                      rule_award           302  403  403  200  403  403  403  403  403  403
# -- Web: plan (/ke-hoach/), clusters (/cum-khoi/)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
plan:index                               -                    302  302  302  302  302  302  302  302  302  302
plan:dashboard                           year                 302  200  200  200  200  200  200  200  200  200
plan:export                              year                 302  200  200  200  200  200  200  200  200  200
plan:report                              year                 302  403  403  200  403  403  200  403  403  403
plan:copy                                year                 302  405  405  405  405  405  405  405  405  405
plan:issue                               year                 302  403  403  403  403  403  403  403  403  403
plan:unit_plans                          year                 302  200  200  200  200  200  200  200  200  200
plan:oversight                           year                 302  403  403  200  403  403  200  403  403  403
plan:activity                            activity             302  200  200  200  200  200  200  200  200  200
plan:unit_plan                           unit_plan            302  200  404  200  404  404  200  404  404  404
emulation:division                       year                 302  200  200  200  200  200  200  200  200  200
emulation:division_open                  year                 302  405  405  405  405  405  405  405  405  405
# -- Web: councils (/hoi-dong/)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
councils:session_list                    -                    302  200  200  200  200  200  200  200  200  200
# unit A's officer plans the sessions of the unit's own council (kind «unit») only: the form offers that term
councils:session_create                  -                    302  200  403  200  403  403  403  403  403  403
councils:session_detail                  session              302  404  404  200  200  404  200  404  404  404
councils:agenda_item_add                 session              302  404  404  200  200  404  200  404  404  404
councils:ballot_cast                     session              302  405  405  405  405  405  405  405  405  405
councils:attendance_record               session              302  405  405  405  405  405  405  405  405  405
councils:written_vote_record             session              302  405  405  405  405  405  405  405  405  405
councils:written_vote_confirm            written_vote         302  405  405  405  405  405  405  405  405  405
councils:written_vote_reject             written_vote         302  405  405  405  405  405  405  405  405  405
councils:written_vote_document           written_vote         302  404  404  200  404  404  404  404  404  404
councils:close_voting                    session              302  405  405  405  405  405  405  405  405  405
councils:minutes_pdf                     voted_session        302  404  404  200  200  404  200  404  404  404
councils:tally_pdf                       voted_session        302  404  404  200  200  404  200  404  404  404
councils:recusal_declare                 item                 302  405  405  405  405  405  405  405  405  405
councils:session_expert_invite           session              302  405  405  405  405  405  405  405  405  405
councils:session_expert_uninvite         session_expert       302  405  405  405  405  405  405  405  405  405
# -- Web: innovation (/sang-kien/; owned by another engineer: a failure here is reported, not fixed)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
innovation:round_list                    -                    302  200  200  200  200  200  200  200  200  200
innovation:round_create                  -                    302  404  404  200  404  404  404  404  404  404
innovation:round_detail                  round                302  200  200  200  200  200  200  200  200  200
innovation:round_reviewers               round                302  404  404  200  404  404  404  404  404  404
innovation:round_import                  round                302  404  404  200  404  404  404  404  404  404
innovation:round_results_excel           round                302  404  404  200  404  200  200  404  404  200
innovation:import_template               -                    302  200  200  200  200  200  200  200  200  200
innovation:initiative_submit             round                302  200  200  404  404  404  404  404  404  404
innovation:round_ranking                 round                302  404  404  200  404  200  200  404  404  200
innovation:round_assign_balanced         round                302  405  405  405  405  405  405  405  405  405
innovation:round_send_to_council         round                302  405  405  405  405  405  405  405  405  405
innovation:initiative_detail             initiative           302  200  404  200  404  404  200  404  404  200
innovation:initiative_assign             initiative           302  405  405  405  405  405  405  405  405  405
innovation:initiative_unassign           initiative           302  405  405  405  405  405  405  405  405  405
innovation:evidence_upload               initiative           302  405  405  405  405  405  405  405  405  405
innovation:evidence_download             evidence             302  200  404  200  404  404  200  404  404  200
innovation:authors_edit                  initiative           302  200  404  404  404  404  404  404  404  404
innovation:certificate_download          certificate          302  404  404  404  404  404  404  404  404  404
innovation:conflict_declare              initiative           302  405  405  405  405  405  405  405  405  405
innovation:central_recognition           initiative           302  405  405  405  405  405  405  405  405  405
innovation:my_reviews                    -                    302  200  200  200  200  200  200  200  200  200
innovation:review_edit                   assignment           302  404  404  404  404  404  404  404  404  200
# -- Web: home, notifications, audit check, history, transitions
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
home                                     -                    302  200  200  200  200  200  200  200  200  200
notifications                            -                    302  200  200  200  200  200  200  200  200  200
audit_verify                             -                    302  403  403  403  403  403  200  403  403  403
audit_check_run                          audit_check_run      302  403  403  403  403  403  200  403  403  403
audit_check_run_status                   audit_check_run      302  403  403  403  403  403  200  403  403  403
notification_delivery                    -                    302  403  403  200  403  403  200  403  403  403
notification_resend                      -                    302  405  405  405  405  405  405  405  405  405
memberships                              -                    302  403  403  200  403  403  403  403  403  403
membership_approve                       membership           302  405  405  405  405  405  405  405  405  405
membership_reject                        membership           302  405  405  405  405  405  405  405  405  405
membership_end                           membership           302  405  405  405  405  405  405  405  405  405
history                                  history              302  200  404  200  404  404  200  404  404  404
transition                               web_transition       302  200  404  200  404  404  200  404  404  404
# -- Operations (project/health.py): no login; /readyz names only what failed, never a secret; /metrics
# answers the test client because it comes from 127.0.0.1 (DJANGO_METRICS_ALLOWED_IPS): any other address gets
# 404 (tests/production/test_metrics.py)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
healthz                                  -                    200  200  200  200  200  200  200  200  200  200
readyz                                   -                    200  200  200  200  200  200  200  200  200  200
metrics                                  -                    200  200  200  200  200  200  200  200  200  200
# -- webhooks (a subscription of the Board head: its owner only; the matrix's roles hold no subscriber role)
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
webhook-list                             -                    401  200  200  200  200  200  200  200  200  200
webhook-detail                           webhook              401  404  404  404  404  404  404  404  404  404
webhook-deliveries                       webhook              401  404  404  404  404  404  404  404  404  404
webhook-rotate-secret                    webhook              401  405  405  405  405  405  405  405  405  405
webhook-redeliver                        webhook_delivery     401  405  405  405  405  405  405  405  405  405
webhooks:list                            -                    302  403  403  403  403  403  403  403  403  403
webhooks:detail                          webhook              302  404  404  404  404  404  404  404  404  404
webhooks:end                             webhook              302  405  405  405  405  405  405  405  405  405
webhooks:rotate                          webhook              302  405  405  405  405  405  405  405  405  405
webhooks:redeliver                       webhook_delivery     302  405  405  405  405  405  405  405  405  405
"""

#: Patterns with no row, each with the reason.
EXCLUDED_PREFIXES = {
    "admin/": "Django admin: staff only, its own permission system; checked for ballot secrecy in "
    "test_ballot_secrecy.py",
    "^api/": "the deprecated unversioned aliases of /api/v1/ (project/api_versions.py): each answers exactly as "
    "its /api/v1/ row, checked in tests/workflows/test_api_versioning.py",
}
EXCLUDED_FORMAT_SUFFIX = (
    "DRF's format-suffix twins (…\\.(?P<format>…)): the same view as the row without the suffix"
)

#: Rows of code another engineer owns (innovation/): a failure names the owner instead of being fixed here.
INNOVATION_PREFIXES = ("innovation:", "innovation-", "initiative-", "review-")


def rows() -> dict[str, tuple[str | None, dict[str, int]]]:
    """{URL name: (object key or None, {role: expected status})}."""
    result = {}
    for line in TABLE.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, key, *statuses = line.split()
        if len(statuses) != len(ROLES):
            raise ValueError(f"matrix row {name}: {len(statuses)} statuses for {len(ROLES)} roles")
        if name in result:
            raise ValueError(f"matrix row {name} appears twice")
        result[name] = (None if key == "-" else key, dict(zip(ROLES, map(int, statuses), strict=True)))
    return result


def owner_note(name: str) -> str:
    if name.startswith(INNOVATION_PREFIXES):
        return " [innovation/: owned by another engineer; report, do not fix in this change]"
    return ""


#: The innovation rows whose answer changes once the world's round has published its results (the round set to
#: results_published, its initiative to recognised): everyone signed in reads the published result (the
#: detail page and the API detail, without the full text: tests/security/test_published_results.py), the
#: ranking and the results list; the evidence stays with the unit, the Board, the assigned reviewer, the
#: round's council ("out" sits on it) and the auditor. "=" in a column: as in TABLE.
PUBLISHED_TABLE = """
# URL name                               object               anon unitA unitB board in   out  aud  expM expD rev
innovation-round-ranking                 round                =    200  200  200  200  200  200  200  200  200
innovation-round-results-xlsx            round                =    200  200  200  200  200  200  200  200  200
initiative-detail                        initiative           =    200  200  200  200  200  200  200  200  200
initiative-evidence                      initiative           =    200  404  200  404  200  200  404  404  200
initiative-history                       initiative           =    403  403  200  403  403  200  403  403  403
initiative-transitions                   initiative           =    200  200  200  200  200  200  200  200  200
initiative-certificate                   certificate_api      =    404  404  200  404  404  200  404  404  404
innovation:round_results_excel           round                =    200  200  200  200  200  200  200  200  200
innovation:round_ranking                 round                =    200  200  200  200  200  200  200  200  200
innovation:initiative_detail             initiative           =    200  200  200  200  200  200  200  200  200
innovation:evidence_download             evidence             =    200  404  200  404  200  200  404  404  200
innovation:certificate_download          certificate          =    404  404  200  404  404  200  404  404  404
"""


def published_rows() -> dict[str, tuple[str | None, dict[str, int]]]:
    """Like rows(), for PUBLISHED_TABLE; "=" takes the status of TABLE's row."""
    base = rows()
    result = {}
    for line in PUBLISHED_TABLE.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, key, *statuses = line.split()
        if len(statuses) != len(ROLES) or name not in base:
            raise ValueError(f"published matrix row {name}: unknown pattern or wrong number of statuses")
        result[name] = (
            None if key == "-" else key,
            {
                role: base[name][1][role] if status == "=" else int(status)
                for role, status in zip(ROLES, statuses, strict=True)
            },
        )
    return result
