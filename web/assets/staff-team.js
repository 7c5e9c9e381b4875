// Staff: the Team page (admins and owners) — members with their role, Deactivate and
// Reactivate; invites not yet used, with Resend and Revoke (each a paged list in email
// order, with "Load more"); the "Invite team member" form;
// the firm's history (team, roles, profile and settings: who, when, from where).
// The nav shows the page only to a role that has the team permission (GET /api/staff/me).
import { session } from "./api.js";
import { team } from "./api-team.js";
import { act, field, flash, fmtDate, h, liveCard, onSubmit, pagedList } from "./ui.js";

const ROLES = [["staff", "Staff"], ["admin", "Admin"], ["owner", "Owner"]];
const ROLE_WORDS = Object.fromEntries(ROLES);

let known = { token: null, me: null, at: 0 };

/** The signed-in staff member, read at most once a minute per session token (a changed
 * role shows in the nav within a minute; the API checks the role on every call anyway). */
export async function staffMe() {
  const token = session("staff")?.access_token;
  if (!token) return null;
  if (known.token !== token || Date.now() - known.at > 60_000) known = { token, me: await team.me(), at: Date.now() };
  return known.me;
}

/** Add the Team link to the staff nav when the member's role may manage the team. */
export async function teamLink(nav) {
  try {
    const me = await staffMe();
    if (!me?.permissions.includes("team") || nav.querySelector('a[href="#/staff/team"]')) return;
    const link = h("a", { href: "#/staff/team" }, "Team");
    const settings = nav.querySelector('a[href="#/staff/settings"]');
    if (settings) settings.before(link); else nav.prepend(link);
  } catch { /* no link: the page itself says why */ }
}

function roleSelect(m, me, redraw) {
  const ownerOnly = m.role === "owner" && me.role !== "owner";
  const select = h("select", { name: "role", "aria-label": `Role of ${m.name}`, disabled: m.status !== "active" || ownerOnly },
    ROLES.filter(([v]) => v !== "owner" || me.role === "owner" || m.role === "owner").map(([v, t]) => h("option", { value: v, selected: v === m.role }, t)));
  select.addEventListener("change", act(async () => {
    try {
      await team.setRole(m.id, select.value);
      flash(`${m.name} is now ${ROLE_WORDS[select.value].toLowerCase()}.`);
    } finally { await redraw(); }
  }));
  return select;
}

function memberRow(m, me, redraw) {
  const self = m.id === me.id;
  const status = m.status === "active"
    ? `Active${m.joined_at ? ` — joined ${fmtDate(m.joined_at)}` : ""}`
    : `Deactivated ${fmtDate(m.deactivated_at)}`;
  const button = m.status === "active"
    ? h("button", { type: "button", class: "secondary", disabled: self, title: self ? "You cannot deactivate yourself" : null, onclick: act(async () => {
      if (!window.confirm(`Deactivate ${m.name}? They are signed out everywhere and cannot sign in until reactivated.`)) return;
      await team.deactivate(m.id); flash(`${m.name} was deactivated.`); await redraw();
    }) }, "Deactivate")
    : h("button", { type: "button", class: "secondary", onclick: act(async () => {
      await team.reactivate(m.id); flash(`${m.name} was reactivated.`); await redraw();
    }) }, "Reactivate");
  return h("tr", { "data-member": m.email },
    h("td", {}, m.name, self ? " (you)" : "", h("div", { class: "small muted" }, m.email)),
    h("td", {}, roleSelect(m, me, redraw)),
    h("td", { class: m.status === "active" ? "" : "muted" }, status),
    h("td", {}, button));
}

function inviteRow(i, redraw) {
  const state = i.status === "open" ? `Invited ${fmtDate(i.invited_at)} by ${i.invited_by} — expires ${fmtDate(i.expires_at)}` : `Invite expired ${fmtDate(i.expires_at)}`;
  return h("tr", { "data-invite": i.email },
    h("td", {}, i.name, h("div", { class: "small muted" }, i.email)),
    h("td", {}, ROLE_WORDS[i.role]),
    h("td", { class: i.status === "open" ? "" : "muted" }, state),
    h("td", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: act(async () => { await team.resend(i.id); flash(`A new invite was sent to ${i.email}; the earlier link no longer works.`); await redraw(); }) }, "Resend"),
      h("button", { type: "button", class: "secondary", onclick: act(async () => { await team.revoke(i.id); flash(`The invite to ${i.email} was revoked.`); await redraw(); }) }, "Revoke")));
}

function inviteForm(me, redraw) {
  const form = h("form", { novalidate: true, id: "invite-member" },
    field("Email", "email", { type: "email", required: true, autocomplete: "off" }),
    field("Name", "name", { required: true, autocomplete: "off" }),
    field("Role", "role", { tag: "select", options: ROLES.filter(([v]) => v !== "owner" || me.role === "owner") }),
    h("p", { class: "small muted" }, "Staff work with clients. Admins also run the portal settings, email templates and the team. Only an owner makes someone owner."),
    h("p", {}, h("button", { type: "submit" }, "Send invite")));
  onSubmit(form, async () => {
    const sent = await team.invite({ email: form.email.value, name: form.name.value, role: form.role.value });
    flash(sent.outcome === "already_open" ? `An invite to ${sent.email} is already open (sent ${fmtDate(sent.invited_at)}); use Resend for a new link.`
      : sent.outcome === "unconfirmed" ? `The invite to ${sent.email} is recorded, but the mail service did not confirm the email; use Resend if it does not arrive.`
        : `Invite sent to ${sent.email}.`);
    form.reset();
    await redraw();
  });
  return form;
}

const HISTORY_WORDS = {
  firm_created: "Firm created", staff_invited: "Invited a colleague", staff_invite_revoked: "Revoked an invite",
  staff_joined: "Joined the firm", role_changed: "Changed a role", staff_deactivated: "Deactivated a member",
  staff_reactivated: "Reactivated a member", profile_changed: "Changed the firm profile", settings_changed: "Changed the portal settings",
  billing_settings_changed: "Changed the billing settings",
};

/** The firm's history: who changed the team, the profile or the settings, when, from where. */
async function historyCard() {
  const card = h("section", { class: "card", id: "firm-history" });
  const redraw = async () => {
    const row = (e) => h("tr", {},
      h("td", {}, new Date(e.at).toLocaleString()),
      h("td", {}, HISTORY_WORDS[e.event] || e.event, e.detail ? h("div", { class: "small muted" }, e.detail) : ""),
      h("td", {}, e.actor.name || e.actor.kind),
      h("td", { class: "small" }, e.ip || "", e.user_agent ? h("div", { class: "muted" }, e.user_agent) : ""));
    card.replaceChildren(h("h2", {}, "Firm history"), await pagedList((cursor) => team.history({ cursor }), row, {
      tag: "tbody", attrs: {}, empty: "Nothing recorded yet.",
      frame: (rows) => h("table", { class: "audit" }, h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "What"), h("th", {}, "Who"), h("th", {}, "From"))), rows) }));
  };
  await redraw();
  return { card, redraw };
}

export async function teamView() {
  const me = await staffMe();
  const history = me.permissions.includes("firm_history") ? await historyCard() : null;
  let drawn = false;
  const card = await liveCard({ id: "team" }, async (redraw) => {
    // Two paged lists (members, invites not yet used), each one page at first with "Load
    // more"; a change redraws both from their first page.
    const [members, invites] = await Promise.all([
      pagedList((cursor) => team.members({ cursor }), (m) => memberRow(m, me, redraw), {
        tag: "tbody", attrs: {}, empty: "No members.",
        frame: (rows) => h("table", { class: "audit", id: "members" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Role"), h("th", {}, "Status"), h("th", {}, ""))), rows) }),
      pagedList((cursor) => team.invites({ cursor }), (i) => inviteRow(i, redraw), {
        tag: "tbody", attrs: {}, empty: "No open invites.",
        frame: (rows) => h("table", { class: "audit", id: "staff-invites" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Role"), h("th", {}, "Invite"), h("th", {}, ""))), rows) }),
    ]);
    if (drawn) history?.redraw().catch(() => {}); // a change was just made: show its entry
    drawn = true;
    return [
      h("h2", {}, "Members"), members,
      h("h2", {}, "Invites not yet accepted"), invites,
      h("h2", {}, "Invite team member"),
      inviteForm(me, redraw),
    ];
  });
  return h("section", {}, h("h1", {}, `Team — ${me.firm_name}`), card, history?.card);
}
