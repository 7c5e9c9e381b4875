// The contact's Billing (when the firm enables it): balance, invoices with Pay now, payments.
// Invoices and payments load a page at a time ("Load more"); the balance covers them all.
import { invoices } from "./api-invoices.js";
import { act, flash, fmtDate, h, money, pagedList, rerender } from "./ui.js";

export async function billingView(clientId) {
  const b = await invoices.billing(clientId);
  const pay = (i) => h("button", { type: "button", onclick: act(async () => {
    await invoices.pay(clientId, i.id); flash(`Invoice ${i.number} paid.`); rerender();
  }) }, "Pay now");
  const head = h("thead", {}, h("tr", {}, h("th", {}, "Invoice"), h("th", {}, "Due"), h("th", { class: "num" }, "Total"), h("th", { class: "num" }, "Balance"), h("th", {}, "")));
  const [invoiceList, paymentList] = await Promise.all([
    pagedList((cursor) => (cursor ? invoices.billing(clientId, { cursor }) : b), (i) => h("tr", {}, h("td", {}, i.number), h("td", {}, fmtDate(i.due_date)), h("td", { class: "num" }, money(i.total, i.currency)),
      h("td", { class: "num" }, i.status === "paid" ? "Paid" : money(i.balance_due, i.currency)),
      h("td", {}, b.online_payments_enabled && i.status !== "paid" ? pay(i) : "")),
    { tag: "tbody", attrs: {}, empty: "No invoices.", frame: (body) => h("table", {}, head, body) }),
    pagedList((cursor) => invoices.contactPayments(clientId, { cursor }),
      (p) => h("li", {}, `${fmtDate(p.paid_on)} — ${money(p.amount, p.currency)} for invoice ${p.invoice_number}`),
      { empty: "No payments yet." })]);
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "Outstanding balance"),
      b.balances.length ? b.balances.map((x) => h("p", {}, h("strong", {}, money(x.amount, x.currency)))) : h("p", {}, "Nothing outstanding."),
      b.open_invoices ? h("p", { class: "muted" }, `${b.open_invoices} open invoice${b.open_invoices === 1 ? "" : "s"}`) : null),
    h("section", { class: "card" }, h("h2", {}, "Invoices"), invoiceList),
    h("section", { class: "card" }, h("h2", {}, "Payment history"), paymentList));
}
