// The contact's Billing (when the firm enables it): balance, invoices with Pay now, payments.
import { invoices } from "./api-invoices.js";
import { act, flash, fmtDate, h, money, rerender } from "./ui.js";

export async function billingView(clientId) {
  const b = await invoices.billing(clientId);
  const pay = (i) => h("button", { type: "button", onclick: act(async () => {
    await invoices.pay(clientId, i.id); flash(`Invoice ${i.number} paid.`); rerender();
  }) }, "Pay now");
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "Outstanding balance"),
      b.balances.length ? b.balances.map((x) => h("p", {}, h("strong", {}, money(x.amount, x.currency)))) : h("p", {}, "Nothing outstanding.")),
    h("section", { class: "card" }, h("h2", {}, "Invoices"),
      b.invoices.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Invoice"), h("th", {}, "Due"), h("th", { class: "num" }, "Total"), h("th", { class: "num" }, "Balance"), h("th", {}, ""))),
        h("tbody", {}, b.invoices.map((i) => h("tr", {}, h("td", {}, i.number), h("td", {}, fmtDate(i.due_date)), h("td", { class: "num" }, money(i.total, i.currency)),
          h("td", { class: "num" }, i.status === "paid" ? "Paid" : money(i.balance_due, i.currency)),
          h("td", {}, b.online_payments_enabled && i.status !== "paid" ? pay(i) : ""))))) : h("p", { class: "muted" }, "No invoices.")),
    h("section", { class: "card" }, h("h2", {}, "Payment history"),
      b.payments.length ? h("ul", { class: "plain" }, b.payments.map((p) => h("li", {}, `${fmtDate(p.paid_on)} — ${money(p.amount, p.currency)} for invoice ${p.invoice_number}`))) : h("p", { class: "muted" }, "No payments yet.")));
}
