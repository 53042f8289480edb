// Typeset the formulas that pymdownx.arithmatex (generic mode) leaves in the page:
// <span class="arithmatex">\(...\)</span> inline and <div class="arithmatex">\[...\]</div> displayed.
// document$ is Material's page observable: it fires on the first load and after every instant navigation.
document$.subscribe(() => {
  for (const element of document.querySelectorAll(".arithmatex")) {
    const source = element.textContent.trim();
    katex.render(source.slice(2, -2), element, { displayMode: source.startsWith("\\["), throwOnError: false });
  }
});
