// Picking a saved address fills the delivery fields; without JavaScript the default is pre-filled.
(function () {
  const select = document.getElementById("saved_address");
  const data = document.getElementById("saved-addresses");
  if (!select || !data) return;
  const saved = JSON.parse(data.textContent);
  const fields = ["recipient_name", "recipient_phone", "postcode", "address1", "address2"];
  select.addEventListener("change", function () {
    const address = saved[select.value];
    fields.forEach(function (name) {
      const input = document.getElementById(name);
      if (input) input.value = address ? address[name] : "";
    });
  });
})();
