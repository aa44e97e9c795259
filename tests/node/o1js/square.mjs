// The one-line ZkProgram the o1js tests prove (`x * x == y`), for any o1js module.
/** @param {any} o1js the imported o1js package */
export function squareProgram({ ZkProgram, Field }) {
  return ZkProgram({
    name: 'square',
    publicInput: Field,
    methods: {
      check: {
        privateInputs: [Field],
        async method(y, x) {
          x.mul(x).assertEquals(y);
        },
      },
    },
  });
}
