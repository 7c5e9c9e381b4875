// The sign-in page of both sides (firm staff and contacts), followed by the code step of
// two-step sign-in when the login has an authenticator app; and the guard of every
// signed-in page, which sends a visitor without a session here.
import { session, signIn } from "./api.js";
import { mfaStep } from "./mfa.js";
import { field, h, onSubmit } from "./ui.js";

const SIDES = {
  staff: { title: "Firm staff sign in", home: "#/staff", page: "#/staff/sign-in" },
  contact: {
    title: "Client sign in", home: "#/portal", page: "#/portal/sign-in",
    note: "No account yet? Your firm sends you an invite email with a Create Account button.",
  },
};

/** Where `kind` ("staff" or "contact") signs in. */
export function signInPage(kind) { return SIDES[kind].page; }

export function signInView(kind) {
  const side = SIDES[kind];
  const form = h("form", { class: "card", novalidate: true }, h("h1", {}, side.title),
    field("Email", "email", { type: "email", autocomplete: "username", required: true }),
    field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
    h("p", {}, h("button", { type: "submit" }, "Sign in")),
    side.note ? h("p", { class: "small muted" }, side.note) : null);
  const home = () => { location.hash = side.home; };
  return onSubmit(form, async () => {
    const res = await signIn(kind, form.email.value, form.password.value);
    if (res.challenge) form.replaceWith(mfaStep(kind, form.email.value, res.challenge, home));
    else home();
  });
}

/** A page only a signed-in `kind` sees: `view()`, or the way to the sign-in page. */
export async function signedIn(kind, view) {
  if (!session(kind)) { location.hash = signInPage(kind); return h("p", {}, "Redirecting to sign in…"); }
  try {
    return await view();
  } catch (err) {
    if (err.status === 401) { location.hash = signInPage(kind); return h("p", {}, "Please sign in again."); }
    return h("div", { class: "card problem", role: "alert" }, err.message);
  }
}
