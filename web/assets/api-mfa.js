// Turning on two-step sign-in (or moving it to a new phone) for the signed-in login:
// `mfa.staff.setup({ password, code })` — the login proven again, the code only when it
// already has an app — then `mfa.contact.verify(code)`. (The code step of a sign-in is answerMfa in api.js.)
import { calls } from "./api.js";

function side(kind, base) {
  const c = calls(kind, base);
  return { setup: (proof) => c.post("/setup", proof), verify: (code) => c.post("/verify", { code }) };
}

export const mfa = { staff: side("staff", "/mfa"), contact: side("contact", "/me/mfa") };
