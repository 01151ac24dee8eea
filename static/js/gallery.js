// Product gallery: a thumbnail shows its image in the main frame instead of opening the file.
document.querySelectorAll("a[data-gallery-thumb]").forEach((link) => {
  link.addEventListener("click", (event) => {
    const main = document.querySelector(".gallery-main img");
    const thumb = link.querySelector("img");
    if (!main || !thumb) return;
    event.preventDefault();
    main.src = link.href;
    main.alt = thumb.alt;
  });
});
