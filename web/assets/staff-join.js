// Join: the page a staff invite email links to (/join#<token>). The colleague chooses a
// password (and the name colleagues see), then sets up the authenticator app every staff
// login needs, then lands on the clients.
import { clearSession, saveSession } from "./api.js";
import { team } from "./api-team.js";
import { mfa } from "./api-mfa.js";
import { mfaStep } from "./mfa.js";
import { FormProblem, field, fmtDate, h, onSubmit, rerender } from "./ui.js";

const S = "staff";
const ROLE_WORDS = { owner: "an owner", admin: "an admin", staff: "a staff member" };

function done() {
  // Drop the token from the address bar and history before going on.
  history.replaceState(null, "", "/#/staff");
  rerender();
}

/** The authenticator's setup with the password just chosen, where the pool did not ask for
 * it at the first sign-in: staff logins always have one. */
function authenticatorStep(password) {
  const card = h("div", {}, h("h1", {}, "Set up two-step sign-in"), h("p", { class: "muted" }, "Loading…"));
  mfa.staff.setup({ password }).then((setup) => {
    const form = h("form", { novalidate: true },
      h("p", {}, "Every staff login signs in with a code from an authenticator app. Add this account to your app (Google Authenticator, Microsoft Authenticator, 1Password, …): open the link on your phone, or type the key."),
      h("p", {}, h("a", { href: setup.otpauth_uri }, "Add to authenticator app")),
      h("p", {}, "Key: ", h("code", { "data-secret": "" }, setup.secret)),
      field("Code from the app", "code", { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
      h("p", {}, h("button", { type: "submit" }, "Turn on and continue")));
    onSubmit(form, async () => { await mfa.staff.verify(form.code.value); done(); }, { stayBusy: true });
    card.replaceChildren(h("h1", {}, "Set up two-step sign-in"), form);
  }).catch((err) => card.append(h("p", { class: "problem", role: "alert" }, err.message)));
  return card;
}

export async function joinView(token) {
  const card = h("section", { class: "card" });
  if (!token) { card.append(h("h1", {}, "Join your firm"), h("p", {}, "This page needs the link from your invite email.")); return card; }
  let info;
  try {
    info = await team.lookup(token);
  } catch (err) {
    card.append(h("h1", {}, "This invite link cannot be used"), h("p", { class: "problem", role: "alert" }, err.message),
      h("p", {}, h("a", { href: "#/staff/sign-in" }, "Sign in"), " if you already have a staff login."));
    return card;
  }
  const form = h("form", { novalidate: true },
    h("label", { for: "invited-email" }, "Email"),
    h("input", { id: "invited-email", type: "email", value: info.email, readonly: true, "aria-readonly": "true", autocomplete: "username" }),
    field("Your name (as colleagues see it)", "name", { value: info.name, required: true, autocomplete: "name" }),
    field("Choose a password", "password", { type: "password", autocomplete: "new-password", required: true, "aria-describedby": "pw-rule" }),
    h("p", { id: "pw-rule", class: "small muted" }, info.password_rule),
    field("Repeat the password", "password2", { type: "password", autocomplete: "new-password", required: true }),
    h("p", {}, h("button", { type: "submit" }, "Create my login")));
  onSubmit(form, async () => {
    if (form.password.value !== form.password2.value) {
      throw new FormProblem("The two passwords are not the same.", { password2: "does not match the first password" });
    }
    const password = form.password.value;
    const res = await team.join(token, { name: form.name.value, password });
    history.replaceState(null, "", "/join");
    if (res.session.challenge) {
      // The staff pool asks for the authenticator at the first sign-in (Cognito's MFA_SETUP).
      card.replaceChildren(mfaStep(S, info.email, res.session, done));
      return;
    }
    clearSession(S);
    saveSession(S, res.session);
    card.replaceChildren(authenticatorStep(password));
  }, { stayBusy: true });
  card.append(h("h1", {}, `Join ${info.firm_name} on the Client Portal`),
    h("p", {}, `${info.invited_by || info.firm_name} invited you as ${ROLE_WORDS[info.role]}.`),
    h("p", { class: "small muted" }, `This link works once, until ${fmtDate(info.expires_at)}.`), form);
  return card;
}
