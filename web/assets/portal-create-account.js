// Create Account: the page the invite email links to (/create-account#<token>). A new
// contact chooses a password; one who already has a login adds this client to it.
import { clearSession, saveSession } from "./api.js";
import { invites } from "./api-invites.js";
import { mfaStep } from "./mfa.js";
import { FormProblem, field, fmtDate, h, onSubmit, rerender } from "./ui.js";

const C = "contact";

export async function createAccount(token) {
  const card = h("section", { class: "card" });
  if (!token) { card.append(h("h1", {}, "Create Account"), h("p", {}, "This page needs the link from your invite email.")); return card; }
  let info;
  try {
    info = await invites.lookup(token);
  } catch (err) {
    card.append(h("h1", {}, "This invite link cannot be used"), h("p", { class: "problem", role: "alert" }, err.message),
      h("p", {}, h("a", { href: "#/portal/sign-in" }, "Sign in"), " if you already have an account."));
    return card;
  }
  const form = h("form", { novalidate: true },
    h("label", { for: "invited-email" }, "Email"),
    h("input", { id: "invited-email", type: "email", value: info.email, readonly: true, "aria-readonly": "true", autocomplete: "username" }),
    info.has_login
      ? field("Your existing portal password", "password", { type: "password", autocomplete: "current-password", required: true })
      : [field("Choose a password", "password", { type: "password", autocomplete: "new-password", required: true, "aria-describedby": "pw-rule" }),
        h("p", { id: "pw-rule", class: "small muted" }, info.password_rule),
        field("Repeat the password", "password2", { type: "password", autocomplete: "new-password", required: true })],
    h("p", {}, h("button", { type: "submit" }, info.has_login ? "Add to my portal" : "Create Account")));
  onSubmit(form, async () => {
    if (!info.has_login && form.password.value !== form.password2.value) {
      throw new FormProblem("The two passwords are not the same.", { password2: "does not match the first password" });
    }
    const res = await invites.accept(token, { password: form.password.value });
    const go = () => {
      // Drop the token from the address bar and history before going on.
      history.replaceState(null, "", `/#/portal/clients/${res.client_id}`);
      rerender();
    };
    if (res.session.challenge) {
      // An existing login with an authenticator app: the invite is accepted; sign in with the code.
      history.replaceState(null, "", "/#/portal/sign-in");
      form.replaceWith(mfaStep(C, info.email, res.session, go));
      return;
    }
    clearSession(C);
    saveSession(C, res.session);
    go();
  }, { stayBusy: true });
  card.append(h("h1", {}, info.has_login ? `Add ${info.client_name} to your portal` : "Create your Client Portal account"),
    h("p", {}, `${info.firm_name} invited ${info.first_name} ${info.last_name} to the secure client portal for ${info.client_name}.`),
    h("p", { class: "small muted" }, `This link works until ${fmtDate(info.expires_at)}.`), form);
  return card;
}
