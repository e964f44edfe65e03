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
  // Hibob's own refusals: its words name the permission (e.g. "Missing permissions: People >
  // Payroll"), and the fix is the service user's permission group, not StackOne's key.
  {
    id: "hibob.401",
    provider: "hibob",
    match: { status: [401] },
    category: "reauth_required",
    severity: "critical",
    must_act: "customer",
    customer: {
      title: "Your Hibob connection needs new service user credentials",
      what_happened:
        "Hibob no longer accepts the service user ID and token this connection uses: the service user was deleted or its token replaced.",
      remediation: [
        "In Hibob, under Settings > Integrations > Service users, create a service user (or use the existing one) and copy its ID and token; add it to the permission group that holds the connection's permissions.",
        "Then reconnect Hibob from the integrations page where you first connected it, with that ID and token.",
      ],
    },
    title: "Hibob rejected the service user",
    what_happened:
      "Hibob answered 401: the service user ID and token of the linked account are wrong, or the service user was deleted.",
    remediation: [
      "Ask the customer's Hibob admin for a valid service user ID and token (Settings > Integrations > Service users), in a permission group with the permissions the integration needs.",
      "Then ask them to re-authenticate the linked account with them through a StackOne connect session (POST /connect_sessions; send them the auth_link_url).",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://apidocs.hibob.com/docs/api-service-users",
    source: {
      page: "provider-docs",
      section: "Hibob: API service users",
      url: "https://apidocs.hibob.com/docs/api-service-users",
    },
    alert: POLICIES.immediate,
  },
  {
    id: "hibob.403",
    provider: "hibob",
    match: { status: [403] },
    category: "missing_permissions",
    severity: "error",
    must_act: "customer",
    customer: {
      title: "Your Hibob connection is missing a permission",
      what_happened:
        "Hibob refused a request because the service user this connection uses lacks a permission; Hibob's message shown with this alert names the section (for example People > Payroll).",
      remediation: [
        "In Hibob, open Settings > Permission groups, choose the permission group of the service user this connection uses, and on its People's data tab grant view access to the section Hibob's message names (for example People > Payroll).",
        "No reconnection is needed: the next sync picks up the new permission.",
      ],
    },
    title: "Hibob service user lacks a permission",
    what_happened:
      "Hibob answered 403: the linked account's service user is not allowed to read or change the data category the request touches. Hibob grants permissions by category, to the permission group the service user belongs to; its message names the one missing.",
    remediation: [
      "Ask the customer's Hibob admin to grant the category Hibob's message names (e.g. \"Missing permissions: People > Payroll\" means the Payroll category) to the service user's permission group (Settings > Permission groups > People's data).",
      "No re-authentication is needed: the service user keeps its ID and token. Retry once the permission is granted.",
    ],
    retry: { retryable: false, backoff: "none" },
    docs_url: "https://apidocs.hibob.com/reference/permissions",
    source: {
      page: "provider-docs",
      section: "Hibob: permissions of service users",
      url: "https://apidocs.hibob.com/reference/permissions",
    },
    alert: POLICIES.immediate,
  },
]);
