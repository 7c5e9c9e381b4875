// Two-step sign-in with an authenticator app, for staff and contacts: the code step after
// the password (or, the first time in a pool that requires it, adding the app), and the
// "turn on" flow in settings. Cognito does the checking; these are its forms.
import { answerMfa, api } from "./api.js";
import { field, flash, h, setBusy, showError } from "./ui.js";

const PREFIX = { staff: "/api/staff/mfa", contact: "/api/portal/me/mfa" };

function secretBlock(setup) {
  return h("div", { class: "mfa-secret" },
    h("p", {}, "Add this account to your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …): open the link on your phone, or type the key."),
    h("p", {}, h("a", { href: setup.otpauth_uri }, "Add to authenticator app")),
    h("p", {}, "Key: ", h("code", { "data-secret": "" }, setup.secret)));
}

/** The second step of a sign-in; calls `done()` once signed in. */
export function mfaStep(kind, email, challenge, done) {
  const setup = challenge.challenge === "mfa_setup";
  const form = h("form", { class: "card", novalidate: true },
    h("h1", {}, setup ? "Set up two-step sign-in" : "Two-step sign-in"),
    setup ? secretBlock(challenge) : h("p", {}, "Enter the 6-digit code your authenticator app shows."),
    field("Code", "code", { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
    h("p", {}, h("button", { type: "submit" }, "Verify")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setBusy(form, true);
    try { await answerMfa(kind, email, challenge, form.code.value); done(); }
    catch (err) { showError(form, err); } finally { setBusy(form, false); }
  });
  return form;
}

/** Settings: turn on two-step sign-in for the signed-in login. */
export function mfaSettings(kind) {
  const card = h("section", { class: "card" }, h("h2", {}, "Two-step sign-in"),
    h("p", { class: "muted" }, "Ask for a code from an authenticator app at every sign-in, so a stolen password is not enough."));
  const start = h("button", { type: "button", class: "secondary" }, "Turn on two-step sign-in");
  start.addEventListener("click", async () => {
    try {
      const setup = await api(kind, "POST", `${PREFIX[kind]}/setup`);
      const form = h("form", { novalidate: true }, secretBlock(setup),
        field("Code from the app", "code", { inputmode: "numeric", autocomplete: "one-time-code", required: true }),
        h("p", {}, h("button", { type: "submit" }, "Turn on")));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        setBusy(form, true);
        try {
          await api(kind, "POST", `${PREFIX[kind]}/verify`, { code: form.code.value });
          card.replaceChildren(h("h2", {}, "Two-step sign-in"), h("p", {}, "Two-step sign-in is on: every sign-in asks for a code from your app."));
          flash("Two-step sign-in is on.");
        } catch (err) { showError(form, err); } finally { setBusy(form, false); }
      });
      start.replaceWith(form);
    } catch (err) { flash(err.message); }
  });
  card.append(start);
  return card;
}
