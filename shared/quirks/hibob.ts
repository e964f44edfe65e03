import { POLICIES, rules } from "./rule.ts";

const SERVICE_USER_GUIDE = "https://hub.stackone.com/connection-guides/hris/hibob-service-user";

export default rules([
  {
    id: "hibob.501_missing_permissions",
    provider: "hibob",
    match: { status: [501] },
    // The same symptom as Teamtailor's 501, so the same category.
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Hibob connection is missing permissions",
      what_happened:
        "Hibob refused a request because the service user this connection uses lacks the permissions for it.",
      remediation: [
        "In Hibob, open the permission group of the service user this connection uses and add the missing permissions (Hibob's service user guide lists the full set; the message from Hibob shown with this alert names the one missing).",
        "Then reconnect Hibob from the integrations page where you first connected it.",
      ],
    },
    title: "Hibob service user lacks permission for this endpoint",
    what_happened:
      "For Hibob, StackOne answers 501 when the service user's API credentials are missing the permissions for the endpoint called.",
    remediation: [
      "Ask the customer's Hibob admin to add the missing permissions to the service user's permission group (Hibob guide for the full permission sets).",
      "Then ask them to re-authenticate the linked account through a StackOne connect session (POST /connect_sessions with origin_owner_id and origin_owner_name; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: SERVICE_USER_GUIDE,
    source: {
      page: "stackone-error-guide",
      section: "Status codes: 501 missing permissions (Hibob, Teamtailor)",
    },
    alert: POLICIES.immediate,
  },
  {
    // termination_date is null for every active employee, so only a missing
    // employment_status tells that the Lifecycle permission is absent.
    id: "hibob.employment_status_missing",
    provider: "hibob",
    match: {
      kind: ["info"],
      path: "employees",
      fields: [
        { in: "response", path: "data.id", is: "not_matching", value: "^$" },
        { in: "response", path: "data.employment_status", is: "empty" },
      ],
    },
    category: "silent_data_issue",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Hibob connection cannot see employment status",
      what_happened:
        "Employees arrive from Hibob without their employment status or termination date, so people who have left look like active employees.",
      remediation: [
        'In Hibob, add "View selected employees\' Lifecycle sections" (People > Lifecycle) to the permission group of the service user this connection uses.',
        "No reconnection is needed: the missing data arrives with the next sync once the permission is granted.",
      ],
    },
    title: "Hibob employees come back without employment status",
    what_happened:
      'Employees were returned with employment_status (and termination_date) missing or null: the Hibob service user lacks "View selected employees\' Lifecycle sections", so leavers look like active employees.',
    remediation: [
      "Ask the customer's Hibob admin to enable \"View selected employees' Lifecycle sections\" (People > Lifecycle) in the service user's permission group; see the Hibob service user guide for the full permission set.",
      "After the permission is granted, re-sync employees: records already synced have no employment status or termination date.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: SERVICE_USER_GUIDE,
    source: {
      page: "stackone-integration-quirks",
      section: "Hibob: missing or inaccurate employment information",
      line: 12,
    },
    alert: POLICIES.immediate,
  },
]);
