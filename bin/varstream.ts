console.log('varstream cli placeholder');
