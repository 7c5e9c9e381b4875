// Two-step sign-in with an authenticator app, for staff and contacts: the code step after
// the password (or, the first time in a pool that requires it, adding the app), and the
// "turn on" card of the settings pages. Cognito does the checking; these are its forms.
import { answerMfa } from "./api.js";
import { mfa } from "./api-mfa.js";
import { field, flash, h, onSubmit } from "./ui.js";

function secretBlock(setup) {
  return h("div", { class: "mfa-secret" },
    h("p", {}, "Add this account to your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …): open the link on your phone, or type the key."),
    h("p", {}, h("a", { href: setup.otpauth_uri }, "Add to authenticator app")),
    h("p", {}, "Key: ", h("code", { "data-secret": "" }, setup.secret)));
}

function codeField(label) {
  return field(label, "code", { inputmode: "numeric", autocomplete: "one-time-code", required: true });
}

/** The second step of a sign-in; calls `done()` once signed in. */
export function mfaStep(kind, email, challenge, done) {
  const setup = challenge.challenge === "mfa_setup";
  const form = h("form", { class: "card", novalidate: true },
    h("h1", {}, setup ? "Set up two-step sign-in" : "Two-step sign-in"),
    setup ? secretBlock(challenge) : h("p", {}, "Enter the 6-digit code your authenticator app shows."),
    codeField("Code"),
    h("p", {}, h("button", { type: "submit" }, "Verify")));
  return onSubmit(form, async () => { await answerMfa(kind, email, challenge, form.code.value); done(); });
}

/** Settings: turn on two-step sign-in for the signed-in login, or move it to a new phone.
 * The login is proven again first (password; the current code if it has an app), so a
 * stolen session alone cannot bind someone else's phone. */
export function mfaSettings(kind) {
  const card = h("section", { class: "card" }, h("h2", {}, "Two-step sign-in"),
    h("p", { class: "muted" }, "Ask for a code from an authenticator app at every sign-in, so a stolen password is not enough."));
  const prove = h("form", { novalidate: true },
    field("Your password", "password", { type: "password", autocomplete: "current-password", required: true }),
    field("Current code (only if you already use an authenticator app)", "code", { inputmode: "numeric", autocomplete: "one-time-code" }),
    h("p", {}, h("button", { type: "submit", class: "secondary" }, "Set up an authenticator app")));
  onSubmit(prove, async () => {
    const code = prove.code.value.trim();
    const setup = await mfa[kind].setup(code ? { password: prove.password.value, code } : { password: prove.password.value });
    const form = h("form", { novalidate: true }, secretBlock(setup), codeField("Code from the app"),
      h("p", {}, h("button", { type: "submit" }, "Turn on")));
    onSubmit(form, async () => {
      await mfa[kind].verify(form.code.value);
      card.replaceChildren(h("h2", {}, "Two-step sign-in"), h("p", {}, "Two-step sign-in is on: every sign-in asks for a code from your app."));
      flash("Two-step sign-in is on.");
    });
    prove.replaceWith(form);
  });
  card.append(prove);
  return card;
}
