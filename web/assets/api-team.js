// The firm's team (admins and owners): members, invites, roles, deactivation; who the
// signed-in staff member is; and the staff invite link's page (no sign-in).
import { api, calls, paged, seg } from "./api.js";

const staff = calls("staff");

export const team = {
  /** The signed-in member: `{ name, email, role, firm_name, permissions }`. */
  me: () => staff.get("/me"),
  /** One page (`{ items, next }`) of the firm's members, in email order. */
  members: (page) => staff.get(paged("/team", page)),
  /** One page (`{ items, next }`) of the invites not yet used (open or expired), in email order. */
  invites: (page) => staff.get(paged("/team/invites", page)),
  /** `{ email, name, role }` → the invite (`outcome`: sent, already_open or unconfirmed). */
  invite: (body) => staff.post("/team/invites", body),
  resend: (inviteId) => staff.post(`/team/invites/${seg(inviteId)}/resend`),
  revoke: (inviteId) => staff.del(`/team/invites/${seg(inviteId)}`),
  setRole: (memberId, role) => staff.patch(`/team/members/${seg(memberId)}`, { role }),
  deactivate: (memberId) => staff.post(`/team/members/${seg(memberId)}/deactivate`),
  reactivate: (memberId) => staff.post(`/team/members/${seg(memberId)}/reactivate`),
  /** One page (`{ items, next }`) of the firm's own history (team, roles, profile and
   * settings changes), newest first. */
  history: (page) => staff.get(paged("/firm/audit", page)),
  /** The invite behind a staff invite link's token. */
  lookup: (token) => api(null, "GET", `/api/team-invites/${seg(token)}`),
  /** Create the staff login → `{ email, role, firm_name, session }`. */
  join: (token, body) => api(null, "POST", `/api/team-invites/${seg(token)}/account`, body),
};
