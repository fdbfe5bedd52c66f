/* The test extension: has_cuda() says whether its CUDA part was compiled in. */
#include <Python.h>

#ifdef TD_EXT_CUDA
int td_scale_launch(float* data, int n, float factor); /* scale.cu */
#endif

static PyObject* has_cuda(PyObject* self, PyObject* args) {
  (void)self;
  (void)args;
#ifdef TD_EXT_CUDA
  Py_RETURN_TRUE;
#else
  Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {{"has_cuda", has_cuda, METH_NOARGS, "whether the CUDA part was built"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "td_cuda_ext", NULL, -1, methods, NULL, NULL, NULL, NULL};
PyMODINIT_FUNC PyInit_td_cuda_ext(void) { return PyModule_Create(&module); }
